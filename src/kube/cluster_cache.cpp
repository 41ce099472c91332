// Decoders and indexes for the cluster cache. Annotations are trimmed because they are the
// bulk of a typical pod's metadata (kubectl's last-applied configuration alone can be
// kilobytes) and the controllers read only a handful of them.
#include "src/kube/cluster_cache.h"

#include <initializer_list>
#include <string_view>

#include "src/api/decode.h"
#include "src/api/ec2_nodeclass.h"

namespace gantry::kube {
namespace {

bool keptAnnotation(std::string_view key) {
  return key.starts_with("gantry.dev/") || key.starts_with("karpenter.sh/") ||
         key == "kubernetes.io/config.mirror" || key.starts_with("scheduling.k8s.io/") ||
         key.starts_with("scheduling.x-k8s.io/");
}

std::string describe(const api::FieldError& e) { return e.field + ": " + e.message; }

}  // namespace

std::expected<api::Pod, std::string> decodeCachedPod(const nlohmann::json& object) {
  auto pod = api::decodePod(object);
  if (!pod) return std::unexpected(describe(pod.error()));
  std::erase_if(pod->annotations, [](const auto& kv) { return !keptAnnotation(kv.first); });
  return std::move(*pod);
}

std::expected<api::Node, std::string> decodeCachedNode(const nlohmann::json& object) {
  auto node = api::decodeNode(object);
  if (!node) return std::unexpected(describe(node.error()));
  return std::move(*node);
}

std::expected<api::NodePool, std::string> decodeCachedNodePool(const nlohmann::json& object) {
  auto pool = api::decodeNodePool(object);
  if (!pool) return std::unexpected(describe(pool.error()));
  return std::move(*pool);
}

std::expected<api::NodeClaim, std::string> decodeCachedNodeClaim(const nlohmann::json& object) {
  auto claim = api::decodeNodeClaim(object);
  if (!claim) return std::unexpected(describe(claim.error()));
  return std::move(*claim);
}

std::expected<api::Ec2NodeClass, std::string> decodeCachedEc2NodeClass(const nlohmann::json& object) {
  auto nodeClass = api::decodeEc2NodeClass(object);
  if (!nodeClass) return std::unexpected(describe(nodeClass.error()));
  return std::move(*nodeClass);
}

std::expected<api::Pod, std::string> decodeCachedDaemonSet(const nlohmann::json& object) {
  // A DaemonSet is planned as its pod template, the way the manifest expander reads one.
  // List items carry no kind, so nothing here dispatches on it.
  const auto text = [](const nlohmann::json& parent, const char* key) {
    auto it = parent.find(key);
    return it != parent.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  const nlohmann::json noObject = nlohmann::json::object();
  const auto child = [&](const nlohmann::json& parent, const char* key) -> const nlohmann::json& {
    auto it = parent.is_object() ? parent.find(key) : parent.end();
    return it != parent.end() && it->is_object() ? *it : noObject;
  };
  const nlohmann::json& meta = child(object, "metadata");
  const std::string name = text(meta, "name");
  if (name.empty()) return std::unexpected(std::string("metadata.name: required"));
  const nlohmann::json& spec = child(object, "spec");
  if (!spec.contains("template")) return std::unexpected(std::string("spec.template: required"));
  const std::string ns = text(meta, "namespace");
  auto decoded = api::decodePodTemplate(spec["template"], "spec.template",
                                        ns.empty() ? "default" : ns, name);
  if (!decoded) return std::unexpected(describe(decoded.error()));
  api::Pod pod = std::move(*decoded);
  pod.owner = api::OwnerRef{"DaemonSet", name, ""};
  // Only the overhead is planned from it: no other pod selects a DaemonSet's pod by its
  // annotations, and it is never placed or spread itself.
  pod.annotations.clear();
  pod.topologySpread.clear();
  pod.preferredPodAffinity.clear();
  pod.preferredPodAntiAffinity.clear();
  return pod;
}

ClusterCache::ClusterCache(RestClient& client, Clock& clock, ClusterCacheOptions options)
    : pods_(std::make_unique<PodInformer>(client, clock, ResourcePath{.resource = "pods"},
                                          decodeCachedPod, options.pods)),
      nodes_(std::make_unique<NodeInformer>(client, clock, ResourcePath{.resource = "nodes"},
                                            decodeCachedNode, options.nodes)) {
  addPodIndexes(*pods_);
  if (options.gantryResources) {
    nodePools_ = std::make_unique<NodePoolInformer>(client, clock, kNodePoolsPath,
                                                    decodeCachedNodePool, options.nodePools);
    nodeClaims_ = std::make_unique<NodeClaimInformer>(client, clock, kNodeClaimsPath,
                                                      decodeCachedNodeClaim, options.nodeClaims);
    ec2NodeClasses_ = std::make_unique<Ec2NodeClassInformer>(
        client, clock, kEc2NodeClassesPath, decodeCachedEc2NodeClass, options.ec2NodeClasses);
  }
  if (options.daemonSetOverhead) {
    daemonSets_ = std::make_unique<DaemonSetInformer>(client, clock, kDaemonSetsPath,
                                                      decodeCachedDaemonSet, options.daemonSets);
  }
}

namespace {

// An informer and a store take indexes alike.
template <typename Indexed>
void addPodIndexesTo(Indexed& target) {
  target.addIndex(kPodsByNode, [](const api::Pod& p) {
    return p.nodeName.empty() || p.finished() ? std::vector<std::string>{}
                                             : std::vector<std::string>{p.nodeName};
  });
  target.addIndex(kPodsByPhase, [](const api::Pod& p) {
    return std::vector<std::string>{p.phase.empty() ? std::string("Pending") : p.phase};
  });
  target.addIndex(kPodsByCondition, [](const api::Pod& p) {
    return p.unschedulable ? std::vector<std::string>{"Unschedulable"} : std::vector<std::string>{};
  });
  target.addIndex(kPodsByNominatedNode, [](const api::Pod& p) {
    return p.nominatedNodeName.empty() || !p.nodeName.empty()
               ? std::vector<std::string>{}
               : std::vector<std::string>{p.nominatedNodeName};
  });
}

}  // namespace

void addPodIndexes(PodInformer& informer) { addPodIndexesTo(informer); }
void addPodIndexes(ObjectStore<api::Pod>& store) { addPodIndexesTo(store); }

void ClusterCache::start() {
  pods_->start();
  nodes_->start();
  if (nodePools_) nodePools_->start();
  if (nodeClaims_) nodeClaims_->start();
  if (ec2NodeClasses_) ec2NodeClasses_->start();
  if (daemonSets_) daemonSets_->start();
}

void ClusterCache::stop() {
  // All at once, then join: each open watch takes up to 250 ms to notice.
  for (InformerEngine* informer : std::initializer_list<InformerEngine*>{
           pods_.get(), nodes_.get(), nodePools_.get(), nodeClaims_.get(), ec2NodeClasses_.get(), daemonSets_.get()}) {
    if (informer != nullptr) informer->requestStop();
  }
  pods_->stop();
  nodes_->stop();
  if (nodePools_) nodePools_->stop();
  if (nodeClaims_) nodeClaims_->stop();
  if (ec2NodeClasses_) ec2NodeClasses_->stop();
  if (daemonSets_) daemonSets_->stop();
}

bool ClusterCache::hasSynced() const {
  return pods_->hasSynced() && nodes_->hasSynced() && (!nodePools_ || nodePools_->hasSynced()) &&
         (!nodeClaims_ || nodeClaims_->hasSynced()) &&
         (!ec2NodeClasses_ || ec2NodeClasses_->hasSynced()) && (!daemonSets_ || daemonSets_->hasSynced());
}

bool ClusterCache::waitForSync(Clock::Duration timeout) {
  return pods_->waitForSync(timeout) && nodes_->waitForSync(timeout) &&
         (!nodePools_ || nodePools_->waitForSync(timeout)) &&
         (!nodeClaims_ || nodeClaims_->waitForSync(timeout)) &&
         (!ec2NodeClasses_ || ec2NodeClasses_->waitForSync(timeout)) &&
         (!daemonSets_ || daemonSets_->waitForSync(timeout));
}

bool ClusterCache::anyPodOn(const std::string& node,
                            const std::function<bool(const api::Pod&)>& test) const {
  return pods_->store().anyInIndex(kPodsByNode, node, test);
}

std::vector<ObjectPtr<api::Pod>> ClusterCache::podsOn(const std::string& node) const {
  return pods_->store().byIndex(kPodsByNode, node);
}

}  // namespace gantry::kube
