// The cache-backed reader and the RestClient-backed writer of the lifecycle controllers.
#include "provisioner/nodeclaim/cluster_access.h"

namespace gantry::provisioner::nodeclaim {

namespace {
const kube::ResourcePath kNodes{.resource = "nodes"};

kube::ResourcePath podPath(const std::string& ns, const std::string& name, std::string sub = "") {
  return kube::ResourcePath{.resource = "pods", .ns = ns}.withName(name, std::move(sub));
}

Status toStatus(const Result<nlohmann::json>& r) { return r ? Status::ok() : r.error(); }
}  // namespace

void addLifecycleIndexes(kube::ClusterCache& cache) {
  cache.nodes().addIndex(kNodesByProviderId, [](const api::Node& n) {
    return n.providerId.empty() ? std::vector<std::string>{} : std::vector<std::string>{n.providerId};
  });
  cache.nodeClaims().addIndex(kNodeClaimsByProviderId, [](const api::NodeClaim& c) {
    return c.providerId.empty() ? std::vector<std::string>{} : std::vector<std::string>{c.providerId};
  });
}

std::shared_ptr<const api::NodeClaim> CacheLifecycleReader::nodeClaim(const std::string& name) const {
  return cache_.nodeClaims().store().get(name);
}

std::vector<std::shared_ptr<const api::NodeClaim>> CacheLifecycleReader::nodeClaims() const {
  return cache_.nodeClaims().store().list();
}

std::shared_ptr<const api::NodeClaim> CacheLifecycleReader::nodeClaimByProviderId(
    const std::string& providerId) const {
  if (providerId.empty()) return nullptr;
  auto found = cache_.nodeClaims().store().byIndex(kNodeClaimsByProviderId, providerId);
  return found.empty() ? nullptr : found.front();
}

std::shared_ptr<const api::Node> CacheLifecycleReader::node(const std::string& name) const {
  return cache_.nodes().store().get(name);
}

std::shared_ptr<const api::Node> CacheLifecycleReader::nodeByProviderId(
    const std::string& providerId) const {
  if (providerId.empty()) return nullptr;
  auto found = cache_.nodes().store().byIndex(kNodesByProviderId, providerId);
  // Two Nodes claiming one instance would be a kubelet bug; the first one is as good as any.
  return found.empty() ? nullptr : found.front();
}

std::vector<std::shared_ptr<const api::Node>> CacheLifecycleReader::nodes() const {
  return cache_.nodes().store().list();
}

std::shared_ptr<const api::NodePool> CacheLifecycleReader::nodePool(const std::string& name) const {
  if (name.empty()) return nullptr;
  return cache_.nodePools().store().get(name);
}

std::vector<std::shared_ptr<const api::NodePool>> CacheLifecycleReader::nodePools() const {
  return cache_.nodePools().store().list();
}


bool LifecycleReader::anyPodOn(const std::string& node,
                               const std::function<bool(const api::Pod&)>& test) const {
  for (const auto& pod : podsOn(node)) {
    if (test(*pod)) return true;
  }
  return false;
}

std::vector<std::shared_ptr<const api::Pod>> CacheLifecycleReader::podsOn(const std::string& node) const {
  if (node.empty()) return {};
  return cache_.podsOn(node);
}

bool CacheLifecycleReader::anyPodOn(const std::string& node,
                                    const std::function<bool(const api::Pod&)>& test) const {
  return !node.empty() && cache_.anyPodOn(node, test);
}

std::vector<std::shared_ptr<const api::Pod>> CacheLifecycleReader::podsNominatedTo(
    const std::string& node) const {
  if (node.empty()) return {};
  // The unbound pods nominated to `node`; those still pending (as the phase index files
  // them: Pending, or no phase yet) are the nominations.
  auto pods = cache_.pods().store().byIndex(kube::kPodsByNominatedNode, node);
  std::erase_if(pods, [](const kube::ObjectPtr<api::Pod>& p) {
    return !p->phase.empty() && p->phase != "Pending";
  });
  return pods;
}

Result<nlohmann::json> KubeLifecycleWriter::getNode(const std::string& name) {
  return client_.get(kNodes.withName(name));
}

Status KubeLifecycleWriter::patchNode(const std::string& name, const nlohmann::json& mergePatch) {
  return toStatus(client_.patch(kNodes.withName(name), kube::PatchType::kMerge, mergePatch));
}

Status KubeLifecycleWriter::deleteNode(const std::string& name) {
  return toStatus(client_.remove(kNodes.withName(name)));
}

Status LifecycleWriter::writeNodeClaimStatus(const api::NodeClaim& claim) {
  return patchNodeClaimStatus(claim.name, api::nodeClaimStatusPatch(claim));
}

Status KubeLifecycleWriter::patchNodeClaimStatus(const std::string& name,
                                                 const nlohmann::json& mergePatch) {
  return toStatus(client_.patch(kube::kNodeClaimsPath.withName(name, "status"),
                                kube::PatchType::kMerge, mergePatch));
}

Status KubeLifecycleWriter::patchNodeClaim(const std::string& name, const nlohmann::json& mergePatch) {
  return toStatus(
      client_.patch(kube::kNodeClaimsPath.withName(name), kube::PatchType::kMerge, mergePatch));
}

Result<std::string> KubeLifecycleWriter::addNodeClaimLabels(const std::string& name,
                                                            const api::Labels& labels,
                                                            const std::string& resourceVersion) {
  nlohmann::json patch{{"metadata", {{"labels", labels}}}};
  if (!resourceVersion.empty()) patch["metadata"]["resourceVersion"] = resourceVersion;
  auto patched =
      client_.patch(kube::kNodeClaimsPath.withName(name), kube::PatchType::kMerge, patch);
  if (!patched) return fail(patched.error());
  return patched->value("metadata", nlohmann::json::object()).value("resourceVersion", "");
}

Status KubeLifecycleWriter::deleteNodeClaim(const std::string& name) {
  return toStatus(client_.remove(kube::kNodeClaimsPath.withName(name)));
}

// The apiserver answers a refused eviction with 429 TooManyRequests and no Retry-After, which
// the RestClient hands back at once as kThrottled: exactly the kind callers branch on.
Status KubeLifecycleWriter::evictPod(const std::string& ns, const std::string& name) {
  const nlohmann::json eviction{{"apiVersion", "policy/v1"},
                                {"kind", "Eviction"},
                                {"metadata", {{"name", name}, {"namespace", ns}}}};
  return toStatus(client_.create(podPath(ns, name, "eviction"), eviction));
}

Status KubeLifecycleWriter::deletePod(const std::string& ns, const std::string& name) {
  return toStatus(client_.remove(podPath(ns, name)));
}

}  // namespace gantry::provisioner::nodeclaim
