// The controller's view of the cluster: informers for Pods and Nodes decoded into the slim
// scheduling model (src/api), with the indexes the controllers query (pods by node, pods by
// phase, unschedulable pods), and optionally gantry.dev NodePools, NodeClaims and
// EC2NodeClasses, and DaemonSets (as the pod each runs on every node). One place builds them
// so every host reads the same cache.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "src/api/ec2_nodeclass.h"
#include "src/api/node.h"
#include "src/api/nodeclaim.h"
#include "src/api/nodepool.h"
#include "src/api/pod.h"
#include "src/common/clock.h"
#include "src/kube/informer.h"
#include "src/kube/rest_client.h"

namespace gantry::kube {

// Index names on the pod informer.
// spec.nodeName of bound pods still pending or running: terminal pods (a finished Job's,
// kept until the Job goes) would otherwise pile up in a busy node's bucket, and every
// reader of a node's pods drops them anyway.
inline constexpr const char* kPodsByNode = "node";
inline constexpr const char* kPodsByPhase = "phase";          // status.phase
inline constexpr const char* kPodsByCondition = "condition";  // "Unschedulable"
// status.nominatedNodeName of pods not bound (spec.nodeName empty); what a node's emptiness
// asks of every candidate, which a scan of the pending pods would make cost
// candidates x pending pods per disruption pass.
inline constexpr const char* kPodsByNominatedNode = "nominatedNode";

// A Pod as the cache keeps it: the scheduling model minus what no controller reads
// (annotations other than gantry.dev/*, karpenter.sh/* and the mirror-pod marker).
std::expected<api::Pod, std::string> decodeCachedPod(const nlohmann::json& object);
std::expected<api::Node, std::string> decodeCachedNode(const nlohmann::json& object);
std::expected<api::NodePool, std::string> decodeCachedNodePool(const nlohmann::json& object);
std::expected<api::NodeClaim, std::string> decodeCachedNodeClaim(const nlohmann::json& object);
std::expected<api::Ec2NodeClass, std::string> decodeCachedEc2NodeClass(const nlohmann::json& object);
// An apps/v1 DaemonSet as the pod it runs on every node that matches it (decoded like `plan`
// decodes it: workload::expandObject), keeping what the per-node overhead needs: requests,
// node selector and affinity, tolerations, priority. Named after the DaemonSet, owner kind
// "DaemonSet".
std::expected<api::Pod, std::string> decodeCachedDaemonSet(const nlohmann::json& object);

using PodInformer = Informer<api::Pod>;
using NodeInformer = Informer<api::Node>;
using NodePoolInformer = Informer<api::NodePool>;
using NodeClaimInformer = Informer<api::NodeClaim>;
using Ec2NodeClassInformer = Informer<api::Ec2NodeClass>;
using DaemonSetInformer = Informer<api::Pod>;  // the DaemonSet's pod template

// gantry.dev/v1 collections (cluster-scoped).
inline const ResourcePath kNodePoolsPath{.group = "gantry.dev", .resource = "nodepools"};
inline const ResourcePath kNodeClaimsPath{.group = "gantry.dev", .resource = "nodeclaims"};
inline const ResourcePath kEc2NodeClassesPath{.group = "gantry.dev", .resource = "ec2nodeclasses"};
inline const ResourcePath kDaemonSetsPath{.group = "apps", .resource = "daemonsets"};

// Adds the kPodsBy* indexes. REQUIRES: before the informer starts, or the store is filled.
void addPodIndexes(PodInformer& informer);
// The same indexes on a bare store (the simulator's cluster keeps one).
void addPodIndexes(ObjectStore<api::Pod>& store);

struct ClusterCacheOptions {
  InformerOptions pods{};
  InformerOptions nodes{};
  InformerOptions nodePools{};
  InformerOptions nodeClaims{};
  InformerOptions ec2NodeClasses{};
  InformerOptions daemonSets{};
  // The controller needs the gantry.dev informers (and their CRDs installed); `plan` and
  // the watcher alone do not.
  bool gantryResources = false;
  // The controller plans DaemonSet pods onto every new node (their requests are overhead);
  // `plan --kubeconfig` lists them itself.
  bool daemonSetOverhead = false;
};

// Owns the pod and node informers. Thread-safe like its informers.
class ClusterCache {
 public:
  // REQUIRES: client and clock outlive the cache.
  ClusterCache(RestClient& client, Clock& clock, ClusterCacheOptions options = {});

  PodInformer& pods() { return *pods_; }
  NodeInformer& nodes() { return *nodes_; }
  bool hasGantryResources() const { return nodePools_ != nullptr; }
  // REQUIRES: options.gantryResources.
  NodePoolInformer& nodePools() { return *nodePools_; }
  NodeClaimInformer& nodeClaims() { return *nodeClaims_; }
  Ec2NodeClassInformer& ec2NodeClasses() { return *ec2NodeClasses_; }
  // REQUIRES: options.daemonSetOverhead.
  DaemonSetInformer& daemonSets() { return *daemonSets_; }
  bool hasDaemonSets() const { return daemonSets_ != nullptr; }

  // Starts every informer (add handlers first).
  void start();
  void stop();
  bool hasSynced() const;
  bool waitForSync(Clock::Duration timeout);

  // Bound, non-terminal pods on `node`.
  std::vector<ObjectPtr<api::Pod>> podsOn(const std::string& node) const;
  // Whether one of podsOn(node) passes `test` (run under the store's lock), copying nothing.
  bool anyPodOn(const std::string& node, const std::function<bool(const api::Pod&)>& test) const;

 private:
  std::unique_ptr<PodInformer> pods_;
  std::unique_ptr<NodeInformer> nodes_;
  std::unique_ptr<NodePoolInformer> nodePools_;    // null unless gantryResources
  std::unique_ptr<NodeClaimInformer> nodeClaims_;  // null unless gantryResources
  std::unique_ptr<Ec2NodeClassInformer> ec2NodeClasses_;  // null unless gantryResources
  std::unique_ptr<DaemonSetInformer> daemonSets_;  // null unless daemonSetOverhead
};

}  // namespace gantry::kube
