// In-memory stand-ins for the lifecycle controllers' seams: a cluster that is both the reader
// and the writer (raw JSON objects with resourceVersions, merge patches with preconditions,
// deletion held by finalizers, one injectable error per call, pods whose evictions a
// PodDisruptionBudget may refuse and that terminate when the "kubelet" says so). The cloud of
// instances beside it is in fake_cloud.h (included here, as every user of one uses the other).
#pragma once

#include <algorithm>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "provisioner/nodeclaim/cluster_access.h"
#include "src/api/condition.h"
#include "src/api/decode.h"
#include "src/api/nodeclaim.h"
#include "tests/unit/provisioner/nodeclaim/fake_cloud.h"

namespace gantry::provisioner::nodeclaim::testing {

using json = nlohmann::json;

class FakeCluster final : public LifecycleReader, public LifecycleWriter {
 public:
  explicit FakeCluster(Clock& clock) : clock_(clock) {}

  // --- test set-up and inspection
  void putNode(json node) { store(nodes_, std::move(node)); }
  void putClaim(const api::NodeClaim& claim) { store(claims_, api::encodeNodeClaim(claim)); }
  void putPool(const api::NodePool& pool) { pools_[pool.name] = std::make_shared<api::NodePool>(pool); }
  std::optional<json> rawNode(const std::string& name) const { return find(nodes_, name); }
  std::optional<json> rawClaim(const std::string& name) const { return find(claims_, name); }
  // Mutates a stored Node as the kubelet / device plugin would (bumps its resourceVersion).
  void editNode(const std::string& name, const std::function<void(json&)>& edit) {
    edit(nodes_.at(name));
    bump(nodes_.at(name));
  }
  // A user's `kubectl delete`.
  void userDelete(const std::string& kind, const std::string& name) {
    (void)remove(kind == "node" ? nodes_ : claims_, name);
  }
  // The next call of `method` ("patchNode", "getNode", ...) fails with `status`.
  void failNext(const std::string& method, Status status) { faults_[method] = std::move(status); }
  std::vector<std::string> calls() const { return calls_; }

  // --- pods (keyed "ns/name")
  void putPod(json pod) {
    const std::string key = pod["metadata"].value("namespace", "default") + "/" +
                            pod["metadata"]["name"].get<std::string>();
    pod["metadata"]["name"] = key;  // store() keys by metadata.name; restored on decode
    store(pods_, std::move(pod));
  }
  bool hasPod(const std::string& key) const { return pods_.contains(key); }
  bool podTerminating(const std::string& key) const {
    auto it = pods_.find(key);
    return it != pods_.end() && it->second["metadata"].contains("deletionTimestamp");
  }
  // Evictions of these pods are refused with 429, as a PodDisruptionBudget with no disruption
  // allowed does.
  void protectPod(const std::string& key) { protected_.insert(key); }
  void unprotectPod(const std::string& key) { protected_.erase(key); }
  // The kubelet finishing every terminating pod: they are gone.
  void finishTerminatingPods() {
    std::erase_if(pods_, [](const auto& kv) { return kv.second["metadata"].contains("deletionTimestamp"); });
  }
  // Accepted evictions and direct deletions, in call order ("ns/name").
  std::vector<std::string> evicted() const { return evicted_; }
  std::vector<std::string> deletedPods() const { return deletedPods_; }

  // --- LifecycleReader
  std::shared_ptr<const api::NodeClaim> nodeClaim(const std::string& name) const override {
    auto raw = find(claims_, name);
    if (!raw) return nullptr;
    auto c = api::decodeNodeClaim(*raw);
    return c ? std::make_shared<api::NodeClaim>(std::move(*c)) : nullptr;
  }
  std::vector<std::shared_ptr<const api::NodeClaim>> nodeClaims() const override {
    std::vector<std::shared_ptr<const api::NodeClaim>> out;
    for (const auto& [name, raw] : claims_) out.push_back(nodeClaim(name));
    return out;
  }
  std::shared_ptr<const api::NodeClaim> nodeClaimByProviderId(const std::string& pid) const override {
    for (const auto& c : nodeClaims()) {
      if (!pid.empty() && c->providerId == pid) return c;
    }
    return nullptr;
  }
  std::shared_ptr<const api::Node> node(const std::string& name) const override {
    auto raw = find(nodes_, name);
    if (!raw) return nullptr;
    auto n = api::decodeNode(*raw);
    return n ? std::make_shared<api::Node>(std::move(*n)) : nullptr;
  }
  std::shared_ptr<const api::Node> nodeByProviderId(const std::string& pid) const override {
    for (const auto& [name, raw] : nodes_) {
      auto n = node(name);
      if (n && !pid.empty() && n->providerId == pid) return n;
    }
    return nullptr;
  }
  std::vector<std::shared_ptr<const api::Node>> nodes() const override {
    std::vector<std::shared_ptr<const api::Node>> out;
    for (const auto& [name, raw] : nodes_) {
      if (auto n = node(name)) out.push_back(n);
    }
    return out;
  }
  std::shared_ptr<const api::NodePool> nodePool(const std::string& name) const override {
    auto it = pools_.find(name);
    return it == pools_.end() ? nullptr : it->second;
  }
  std::vector<std::shared_ptr<const api::NodePool>> nodePools() const override {
    std::vector<std::shared_ptr<const api::NodePool>> out;
    for (const auto& [name, pool] : pools_) out.push_back(pool);
    return out;
  }
  std::vector<std::shared_ptr<const api::Pod>> podsOn(const std::string& node) const override {
    std::vector<std::shared_ptr<const api::Pod>> out;
    for (const auto& [key, raw] : pods_) {
      json object = raw;
      object["metadata"]["name"] = key.substr(key.find('/') + 1);
      auto pod = api::decodePod(object);
      if (!pod || pod->nodeName != node || pod->phase == "Succeeded" || pod->phase == "Failed") {
        continue;
      }
      out.push_back(std::make_shared<api::Pod>(std::move(*pod)));
    }
    return out;
  }

  std::vector<std::shared_ptr<const api::Pod>> podsNominatedTo(const std::string& node) const override {
    std::vector<std::shared_ptr<const api::Pod>> out;
    for (const auto& [key, raw] : pods_) {
      json object = raw;
      object["metadata"]["name"] = key.substr(key.find('/') + 1);
      auto pod = api::decodePod(object);
      if (pod && pod->nodeName.empty() && pod->nominatedNodeName == node) {
        out.push_back(std::make_shared<api::Pod>(std::move(*pod)));
      }
    }
    return out;
  }

  // --- LifecycleWriter
  Result<json> getNode(const std::string& name) override {
    if (auto f = fault("getNode")) return fail(*f);
    auto raw = find(nodes_, name);
    if (!raw) return fail(Status::notFound("nodes " + name));
    return *raw;
  }
  Status patchNode(const std::string& name, const json& patch) override {
    if (auto f = fault("patchNode")) return *f;
    return applyPatch(nodes_, name, patch, false);
  }
  Status deleteNode(const std::string& name) override {
    if (auto f = fault("deleteNode")) return *f;
    return remove(nodes_, name);
  }
  Status patchNodeClaimStatus(const std::string& name, const json& patch) override {
    if (auto f = fault("patchNodeClaimStatus")) return *f;
    return applyPatch(claims_, name, patch, true);
  }
  Status patchNodeClaim(const std::string& name, const json& patch) override {
    if (auto f = fault("patchNodeClaim")) return *f;
    return applyPatch(claims_, name, patch, false);
  }
  Result<std::string> addNodeClaimLabels(const std::string& name, const api::Labels& labels,
                                         const std::string& resourceVersion) override {
    if (auto f = fault("addNodeClaimLabels")) return fail(*f);
    json patch{{"metadata", {{"labels", labels}}}};
    if (!resourceVersion.empty()) patch["metadata"]["resourceVersion"] = resourceVersion;
    if (Status s = applyPatch(claims_, name, patch, false); !s.isOk()) return fail(s);
    return claims_.at(name)["metadata"]["resourceVersion"].get<std::string>();
  }
  Status deleteNodeClaim(const std::string& name) override {
    if (auto f = fault("deleteNodeClaim")) return *f;
    return remove(claims_, name);
  }
  Status evictPod(const std::string& ns, const std::string& name) override {
    if (auto f = fault("evictPod")) return *f;
    const std::string key = ns + "/" + name;
    auto it = pods_.find(key);
    if (it == pods_.end()) return Status::notFound("pods " + key);
    if (protected_.contains(key)) {
      return Status::throttled("Cannot evict pod as it would violate the pod's disruption budget.");
    }
    if (!it->second["metadata"].contains("deletionTimestamp")) {
      it->second["metadata"]["deletionTimestamp"] = api::formatTimestamp(clock_.now());
      bump(it->second);
    }
    evicted_.push_back(key);
    return Status::ok();
  }
  Status deletePod(const std::string& ns, const std::string& name) override {
    if (auto f = fault("deletePod")) return *f;
    const std::string key = ns + "/" + name;
    if (pods_.erase(key) == 0) return Status::notFound("pods " + key);
    deletedPods_.push_back(key);
    return Status::ok();
  }

 private:
  using Objects = std::map<std::string, json>;

  static std::optional<json> find(const Objects& objects, const std::string& name) {
    auto it = objects.find(name);
    if (it == objects.end()) return std::nullopt;
    return it->second;
  }
  void bump(json& object) { object["metadata"]["resourceVersion"] = std::to_string(++version_); }
  void store(Objects& objects, json object) {
    if (!object["metadata"].contains("uid")) {
      object["metadata"]["uid"] = "uid-" + object["metadata"]["name"].get<std::string>();
    }
    bump(object);
    const std::string name = object["metadata"]["name"].get<std::string>();
    objects[name] = std::move(object);
  }
  std::optional<Status> fault(const std::string& method) {
    calls_.push_back(method);
    auto it = faults_.find(method);
    if (it == faults_.end()) return std::nullopt;
    Status s = it->second;
    faults_.erase(it);
    return s;
  }
  Status applyPatch(Objects& objects, const std::string& name, json patch, bool statusOnly) {
    auto it = objects.find(name);
    if (it == objects.end()) return Status::notFound(name);
    json& object = it->second;
    if (patch.contains("metadata") && patch["metadata"].contains("resourceVersion")) {
      if (patch["metadata"]["resourceVersion"] != object["metadata"]["resourceVersion"]) {
        return Status::conflict("the object has been modified: " + name);
      }
      patch["metadata"].erase("resourceVersion");
    }
    if (statusOnly) patch = json{{"status", patch.value("status", json::object())}};
    object.merge_patch(patch);
    bump(object);
    const json& meta = object["metadata"];
    if (meta.contains("deletionTimestamp") && meta.value("finalizers", json::array()).empty()) {
      objects.erase(it);
    }
    return Status::ok();
  }
  Status remove(Objects& objects, const std::string& name) {
    auto it = objects.find(name);
    if (it == objects.end()) return Status::notFound(name);
    json& meta = it->second["metadata"];
    if (meta.value("finalizers", json::array()).empty()) {
      objects.erase(it);
    } else if (!meta.contains("deletionTimestamp")) {
      meta["deletionTimestamp"] = api::formatTimestamp(clock_.now());
      bump(it->second);
    }
    return Status::ok();
  }

  Clock& clock_;
  Objects nodes_, claims_, pods_;
  std::set<std::string> protected_;
  std::vector<std::string> evicted_, deletedPods_;
  std::map<std::string, std::shared_ptr<const api::NodePool>> pools_;
  std::map<std::string, Status> faults_;
  std::vector<std::string> calls_;
  uint64_t version_ = 100;
};

// What a test pod differs in.
struct PodSpec {
  std::string ns = "default";
  std::string owner{};  // its controller's kind: "ReplicaSet", "DaemonSet", "Node", "" for none
  int32_t priority = 0;
  std::string phase = "Running";
  bool terminating = false;
  bool mirror = false;
  json tolerations = json::array();
};

// A Pod bound to `node`, as the apiserver would hold it.
inline json podJson(const std::string& name, const std::string& node, const PodSpec& s = {}) {
  json meta{{"name", name}, {"namespace", s.ns}, {"uid", "uid-" + name}};
  if (!s.owner.empty()) {
    meta["ownerReferences"] = json::array(
        {{{"apiVersion", "v1"}, {"kind", s.owner}, {"name", "o"}, {"uid", "o"}, {"controller", true}}});
  }
  if (s.mirror) meta["annotations"] = {{"kubernetes.io/config.mirror", "abc"}};
  if (s.terminating) meta["deletionTimestamp"] = "2015-08-30T12:00:00Z";
  return json{{"apiVersion", "v1"},
              {"kind", "Pod"},
              {"metadata", meta},
              {"spec",
               {{"nodeName", node},
                {"priority", s.priority},
                {"tolerations", s.tolerations},
                {"containers", json::array({{{"name", "c"}, {"image", "busybox"}}})}}},
              {"status", {{"phase", s.phase}}}};
}

}  // namespace gantry::provisioner::nodeclaim::testing
