// Workload -> solver snapshot, shared by the plan host (manifests, a live listing) and the
// controller's provisioner (the cluster cache), so both see existing capacity alike.
#include "provisioner/snapshot/workload_snapshot.h"

#include <map>

namespace gantry::provisioner {

binpack::Snapshot snapshotOf(const workload::Workload& workload, const std::string& region) {
  binpack::Snapshot snap;
  snap.region = region;
  snap.nodePools = workload.nodePools;
  if (snap.nodePools.empty()) snap.nodePools.push_back(api::NodePool::defaultPool());
  snap.daemonSets = workload.daemonSets;
  snap.nodes = workload.nodes;
  std::map<std::string, size_t> nodeIndex;
  for (size_t i = 0; i < snap.nodes.size(); ++i) nodeIndex[snap.nodes[i].name] = i;
  for (const auto& pod : workload.pods) {
    if (pod.phase == "Succeeded" || pod.phase == "Failed" || pod.terminating) continue;
    if (pod.nodeName.empty()) {
      snap.pods.push_back(pod);
      continue;
    }
    // A bound pod uses capacity on its node; it is not for the solver to place.
    if (auto it = nodeIndex.find(pod.nodeName); it != nodeIndex.end()) {
      api::Node& node = snap.nodes[it->second];
      node.requested += pod.requests;
      node.pods.emplace_back(pod.key(), pod.labels);
      node.hostPorts.insert(node.hostPorts.end(), pod.hostPorts.begin(), pod.hostPorts.end());
    }
  }
  return snap;
}

}  // namespace gantry::provisioner
