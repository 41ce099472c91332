// The in-memory apiserver's writes. Every write goes through publish(), which is where the
// reader sees the new object and the observer hears of it: one place keeps the JSON, the
// decoded model and the engine's queues in step.
#include "provisioner/simulate/sim_cluster.h"

#include <algorithm>

#include "src/api/condition.h"
#include "src/api/decode.h"
#include "src/api/nodeclaim_status.h"

namespace gantry::provisioner::simulate {

namespace {
using json = nlohmann::json;

// The real provisioner names claims "<pool>-<5 random characters>"; random names would make
// two runs of one trace differ, so the simulated server renames each claim on create with a
// counter in the same shape (the provisioner keeps the name the server returns).
std::string claimName(const std::string& pool, uint64_t number) {
  static constexpr char kDigits[] = "0123456789abcdefghijklmnopqrstuvwxyz";
  std::string suffix(5, '0');
  for (int i = 4; i >= 0 && number > 0; --i, number /= 36) suffix[i] = kDigits[number % 36];
  return (pool.empty() ? std::string("nodeclaim") : pool) + "-" + suffix;
}

bool deletionComplete(const json& object) {
  const json& meta = object["metadata"];
  return meta.contains("deletionTimestamp") && meta.value("finalizers", json::array()).empty();
}

}  // namespace

// ClusterWriter and LifecycleWriter both declare deleteNodeClaim with different meanings, so
// the provisioner's writer is a class of its own that forwards.
class SimCluster::ProvisionerWriter final : public ClusterWriter {
 public:
  explicit ProvisionerWriter(SimCluster& cluster) : cluster_(cluster) {}
  Result<api::NodeClaim> createNodeClaim(const api::NodeClaim& claim) override {
    return cluster_.createNodeClaim(claim);
  }
  Result<api::NodeClaim> updateNodeClaim(const api::NodeClaim& claim) override {
    return cluster_.updateNodeClaim(claim);
  }
  // A claim whose instance never launched: its finalizer goes first, then the claim.
  Status deleteNodeClaim(const std::string& name) override {
    auto it = cluster_.claims_.find(name);
    if (it == cluster_.claims_.end()) return Status::ok();
    json finalizers = json::array();
    for (const auto& f : it->second["metadata"].value("finalizers", json::array())) {
      if (f != api::nodeclaim::kTerminationFinalizer) finalizers.push_back(f);
    }
    Status s =
        cluster_.applyPatch(Kind::kClaim, name, {{"metadata", {{"finalizers", finalizers}}}});
    if (!s.isOk()) return s;
    s = cluster_.remove(Kind::kClaim, name);
    return s.isNotFound() ? Status::ok() : s;
  }
  // NodePool conditions are not modelled; the provisioner's limit logic works without them.
  Status setNodePoolCondition(const std::string&, const api::Condition&) override {
    return Status::ok();
  }

 private:
  SimCluster& cluster_;
};

SimCluster::SimCluster(Clock& clock, ClusterObserver* observer)
    : clock_(clock),
      observer_(observer),
      provisionerWriter_(std::make_unique<ProvisionerWriter>(*this)) {}

SimCluster::~SimCluster() = default;

ClusterWriter& SimCluster::provisionerWriter() {
  return *provisionerWriter_;
}

void SimCluster::putNodePool(const api::NodePool& pool) {
  reader_.put(pool);
}

Status SimCluster::registerNode(json node) {
  const std::string name = node["metadata"].value("name", "");
  if (name.empty()) return Status::invalid("node without metadata.name");
  if (nodes_.contains(name)) return Status::alreadyExists("nodes " + name);
  node["metadata"]["uid"] = "uid-" + name;
  node["metadata"]["creationTimestamp"] = api::formatTimestamp(clock_.now());
  nodes_[name] = std::move(node);
  return publish(Kind::kNode, name);
}

Status SimCluster::editNode(const std::string& name, const std::function<void(json&)>& edit) {
  auto it = nodes_.find(name);
  if (it == nodes_.end()) return Status::notFound("nodes " + name);
  edit(it->second);
  return publish(Kind::kNode, name);
}

void SimCluster::putPod(api::Pod pod) {
  ++writes_;
  reader_.put(std::move(pod));
}

void SimCluster::removePod(const std::string& key) {
  ++writes_;
  reader_.erasePod(key);
}

Result<api::NodeClaim> SimCluster::createNodeClaim(api::NodeClaim claim) {
  claim.name = claimName(claim.nodePool(), ++claimsCreated_);
  claim.uid = "uid-" + claim.name;
  claim.generation = 1;
  claim.creationTimestamp = clock_.now();
  claims_[claim.name] = api::encodeNodeClaim(claim);
  if (Status s = publish(Kind::kClaim, claim.name); !s.isOk()) return fail(s);
  return *reader_.nodeClaim(claim.name);
}

Result<api::NodeClaim> SimCluster::updateNodeClaim(const api::NodeClaim& claim) {
  if (!claims_.contains(claim.name)) return fail(Status::notFound("nodeclaims " + claim.name));
  if (!claim.labels.empty()) {
    Status s =
        applyPatch(Kind::kClaim, claim.name, {{"metadata", {{"labels", claim.labels}}}});
    if (!s.isOk()) return fail(s);
  }
  api::NodeClaim unconditional = claim;
  unconditional.resourceVersion.clear();
  if (Status s = writeNodeClaimStatus(unconditional); !s.isOk()) return fail(s);
  return *reader_.nodeClaim(claim.name);
}

Result<json> SimCluster::getNode(const std::string& name) {
  auto it = nodes_.find(name);
  if (it == nodes_.end()) return fail(Status::notFound("nodes " + name));
  return it->second;
}

Status SimCluster::patchNode(const std::string& name, const json& mergePatch) {
  return applyPatch(Kind::kNode, name, mergePatch);
}

Status SimCluster::deleteNode(const std::string& name) {
  return remove(Kind::kNode, name);
}

Status SimCluster::patchNodeClaimStatus(const std::string& name, const json& mergePatch) {
  auto before = reader_.nodeClaim(name);
  if (before == nullptr) return Status::notFound(name);
  const json* meta = mergePatch.contains("metadata") ? &mergePatch["metadata"] : nullptr;
  if (meta && meta->contains("resourceVersion")) {
    if (Status s = checkVersion(name, (*meta)["resourceVersion"]); !s.isOk()) return s;
  }
  json status = api::encodeNodeClaimStatus(*before);
  status.merge_patch(mergePatch.value("status", json::object()));
  auto next = api::withStatus(*before, status);
  if (!next) return Status::invalid("nodeclaim " + name + ": " + next.error().message);
  return publishStatus(std::move(*next));
}

Status SimCluster::writeNodeClaimStatus(const api::NodeClaim& claim) {
  auto before = reader_.nodeClaim(claim.name);
  if (before == nullptr) return Status::notFound(claim.name);
  if (!claim.resourceVersion.empty()) {
    if (Status s = checkVersion(claim.name, claim.resourceVersion); !s.isOk()) return s;
  }
  return publishStatus(api::withStoredStatus(*before, claim));
}

Status SimCluster::patchNodeClaim(const std::string& name, const json& mergePatch) {
  return applyPatch(Kind::kClaim, name, mergePatch);
}

Result<std::string> SimCluster::addNodeClaimLabels(const std::string& name,
                                                   const api::Labels& labels,
                                                   const std::string& resourceVersion) {
  json patch{{"metadata", {{"labels", labels}}}};
  if (!resourceVersion.empty()) patch["metadata"]["resourceVersion"] = resourceVersion;
  if (Status s = applyPatch(Kind::kClaim, name, patch); !s.isOk()) return fail(s);
  return claims_.at(name)["metadata"]["resourceVersion"].get<std::string>();
}

Status SimCluster::deleteNodeClaim(const std::string& name) {
  return remove(Kind::kClaim, name);
}

Status SimCluster::evictPod(const std::string& ns, const std::string& name) {
  return deletePod(ns, name);
}

Status SimCluster::deletePod(const std::string& ns, const std::string& name) {
  auto pod = reader_.pod(ns + "/" + name);
  if (pod == nullptr) return Status::notFound("pods " + ns + "/" + name);
  removePod(pod->key());
  if (observer_) observer_->podRemoved(*pod);
  return Status::ok();
}

Status SimCluster::publish(Kind kind, const std::string& name) {
  ++writes_;
  Objects& store = objects(kind);
  auto it = store.find(name);
  json& object = it->second;
  object["metadata"]["resourceVersion"] = std::to_string(++version_);
  const bool gone = deletionComplete(object);
  if (kind == Kind::kNode) {
    auto before = reader_.node(name);
    if (gone) {
      store.erase(it);
      reader_.eraseNode(name);
      if (observer_ && before) observer_->nodeChanged(before.get(), nullptr);
      return Status::ok();
    }
    auto decoded = api::decodeNode(object);
    if (!decoded) return Status::invalid("node " + name + ": " + decoded.error().message);
    reader_.put(*decoded);
    if (observer_) observer_->nodeChanged(before.get(), reader_.node(name).get());
    return Status::ok();
  }
  auto before = reader_.nodeClaim(name);
  if (gone) {
    store.erase(it);
    reader_.eraseNodeClaim(name);
    if (observer_ && before) observer_->claimChanged(before.get(), nullptr);
    return Status::ok();
  }
  auto decoded = api::decodeNodeClaim(object);
  if (!decoded) return Status::invalid("nodeclaim " + name + ": " + decoded.error().message);
  // The stored JSON's status is the one it was created with; later ones live in the cache.
  if (before != nullptr) decoded = api::withStoredStatus(std::move(*decoded), *before);
  decoded->resourceVersion = object["metadata"]["resourceVersion"].get<std::string>();
  reader_.put(*decoded);
  if (observer_) observer_->claimChanged(before.get(), reader_.nodeClaim(name).get());
  return Status::ok();
}

Status SimCluster::applyPatch(Kind kind, const std::string& name, json patch) {
  Objects& store = objects(kind);
  auto it = store.find(name);
  if (it == store.end()) return Status::notFound(name);
  json& object = it->second;
  if (patch.contains("metadata") && patch["metadata"].contains("resourceVersion")) {
    if (patch["metadata"]["resourceVersion"] != object["metadata"]["resourceVersion"]) {
      return Status::conflict("the object has been modified: " + name);
    }
    patch["metadata"].erase("resourceVersion");
  }
  object.merge_patch(patch);
  return publish(kind, name);
}

Status SimCluster::checkVersion(const std::string& claim, const json& resourceVersion) const {
  if (resourceVersion != claims_.at(claim)["metadata"]["resourceVersion"]) {
    return Status::conflict("the object has been modified: " + claim);
  }
  return Status::ok();
}

Status SimCluster::publishStatus(api::NodeClaim next) {
  ++writes_;
  const std::string name = next.name;
  next.resourceVersion = std::to_string(++version_);
  claims_.at(name)["metadata"]["resourceVersion"] = next.resourceVersion;
  auto before = reader_.nodeClaim(name);
  reader_.put(std::move(next));
  if (observer_) observer_->claimChanged(before.get(), reader_.nodeClaim(name).get());
  return Status::ok();
}

Status SimCluster::remove(Kind kind, const std::string& name) {
  Objects& store = objects(kind);
  auto it = store.find(name);
  if (it == store.end()) return Status::notFound(name);
  json& meta = it->second["metadata"];
  if (meta.contains("deletionTimestamp")) return Status::ok();
  meta["deletionTimestamp"] = api::formatTimestamp(clock_.now());
  return publish(kind, name);
}

}  // namespace gantry::provisioner::simulate
