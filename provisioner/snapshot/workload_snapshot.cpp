// Workload -> solver snapshot, shared by the plan host (manifests, a live listing) and the
// controller's provisioner (the cluster cache), so both see existing capacity alike.
#include "provisioner/snapshot/workload_snapshot.h"

#include <unordered_map>
#include <utility>

namespace gantry::provisioner {

namespace {

// The snapshot of `workload` without pods: pools (or the default), DaemonSets, nodes; moved
// out of a workload passed as an rvalue (each member once), copied otherwise.
template <typename W>
binpack::Snapshot withoutPods(W&& workload, const std::string& region) {
  binpack::Snapshot snap;
  snap.region = region;
  snap.nodePools = std::forward<W>(workload).nodePools;
  if (snap.nodePools.empty()) snap.nodePools.push_back(api::NodePool::defaultPool());
  snap.daemonSets = std::forward<W>(workload).daemonSets;
  snap.nodes = std::forward<W>(workload).nodes;
  return snap;
}

// Adds pods to `snap`: pending ones to place, bound ones as load on the node they name. Pods
// that finished or are terminating are left out.
class PodAdder {
 public:
  explicit PodAdder(binpack::Snapshot& snap) : snap_(snap) {
    for (size_t i = 0; i < snap_.nodes.size(); ++i) nodeIndex_[snap_.nodes[i].name] = i;
  }
  void add(const api::Pod& pod) {
    if (pod.finished() || pod.terminating) return;
    if (pod.nodeName.empty()) {
      snap_.pods.push_back(pod);
      return;
    }
    // A bound pod uses capacity on its node; it is not for the solver to place.
    if (auto it = nodeIndex_.find(pod.nodeName); it != nodeIndex_.end()) {
      api::Node& node = snap_.nodes[it->second];
      node.requested += pod.requests;
      node.pods.emplace_back(pod.key(), pod.labels);
      node.hostPorts.insert(node.hostPorts.end(), pod.hostPorts.begin(), pod.hostPorts.end());
    }
  }

 private:
  binpack::Snapshot& snap_;
  std::unordered_map<std::string, size_t> nodeIndex_;
};

}  // namespace

binpack::Snapshot snapshotOf(const workload::Workload& workload, const std::string& region) {
  binpack::Snapshot snap = withoutPods(workload, region);
  PodAdder adder(snap);
  for (const auto& pod : workload.pods) adder.add(pod);
  return snap;
}

binpack::Snapshot snapshotOf(workload::Workload&& workload,
                             const std::vector<api::Pod>& pending,
                             const std::vector<std::shared_ptr<const api::Pod>>& bound,
                             const std::string& region) {
  binpack::Snapshot snap = withoutPods(std::move(workload), region);
  PodAdder adder(snap);
  // Pending first, as the controller's list of pods always had them.
  for (const auto& pod : pending) adder.add(pod);
  for (const auto& pod : bound) adder.add(*pod);
  return snap;
}

}  // namespace gantry::provisioner
