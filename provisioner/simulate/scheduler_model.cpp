// The scheduler model's pass: the cluster as the solver sees existing capacity, then the
// solver's placements onto it read back as bindings.
#include "provisioner/simulate/scheduler_model.h"

#include <algorithm>
#include <set>

#include "binpack/solver.h"
#include "src/api/taints.h"

namespace gantry::provisioner::simulate {

namespace {

bool schedulable(const api::Node& node) {
  return node.ready && !node.unschedulable && !node.deleting;
}

// A Node with what its bound pods take, their labels and host ports: free capacity is
// allocatable - requested, as the snapshot contract says. The pods' labels matter only to
// spread and pod affinity; a pass without those (`withPodLabels` false) says how many pods
// the node holds through requested["pods"] instead, which the solver reads the same way
// (binpack/packer.cpp), and saves copying every bound pod's labels on every pass.
api::Node chargedNode(const api::Node& node, const InMemoryCluster::NodeLoad& load,
                      bool withPodLabels) {
  api::Node charged = node;
  charged.requested = load.requested;
  charged.pods.clear();
  charged.hostPorts.clear();
  const bool countOnly = !withPodLabels && node.allocatable.has(api::resource::kPods) &&
                         !load.requested.has(api::resource::kPods);
  if (countOnly) {
    charged.requested.set(api::resource::kPods,
                          api::Quantity::fromValue(static_cast<int64_t>(load.pods.size())));
  }
  for (const auto& pod : load.pods) {
    if (!countOnly) charged.pods.emplace_back(pod->key(), pod->labels);
    charged.hostPorts.insert(charged.hostPorts.end(), pod->hostPorts.begin(), pod->hostPorts.end());
  }
  return charged;
}

// A request as the solver compares it (binpack/resource_vector.cpp): cpu in millicores,
// everything else in whole units.
int64_t scalar(const std::string& name, const api::Quantity& q) {
  return name == api::resource::kCpu ? q.milliValue() : q.value();
}

// Whether the solver would reject `pod` on `node` before looking at any other node: a taint
// the pod does not tolerate, labels its node affinity refuses, or (with `requested`, what the
// node's pods take) short of a resource the pod requests. These are the first checks of its
// existing-node placement (binpack/packer.cpp placeOnExisting), and they only get harder to
// pass as the solve places pods, so such a node takes no pod of this pass. The pod count is
// left to the solver (it counts a node's pods its own way).
bool refusedByNode(const api::Pod& pod, const api::Node& node) {
  return api::firstUntolerated(node.taints, pod.tolerations).has_value() ||
         !pod.nodeLabelsAllowed(node.labels);
}

bool shortOfRoom(const api::Pod& pod, const api::Node& node, const api::ResourceList& requested) {
  for (const auto& [name, q] : pod.requests.entries()) {
    if (name == api::resource::kPods) continue;
    const int64_t need = scalar(name, q);
    if (need > 0 && need > scalar(name, node.allocatable.get(name)) -
                               scalar(name, requested.get(name))) {
      return true;
    }
  }
  return false;
}

// A pod whose placement depends on the pods of other nodes (spread, pod (anti-)affinity,
// required or preferred) or on where its gang's other members fit (all or nothing, one zone):
// the solver looks at every node for it, so no node may be left out of a pass with such a pod.
bool countsOtherNodes(const api::Pod& pod) {
  return !pod.gang.empty() || !pod.topologySpread.empty() || !pod.requiredPodAffinity.empty() ||
         !pod.preferredPodAffinity.empty() || !pod.requiredPodAntiAffinity.empty() ||
         !pod.preferredPodAntiAffinity.empty();
}

}  // namespace

Result<SchedulingPass> schedulePending(const InMemoryCluster& cluster, const std::string& region) {
  std::vector<std::shared_ptr<const api::Pod>> pending;
  for (auto& pod : cluster.pendingPods()) {
    if (!pod->nodeName.empty() || pod->terminating || pod->schedulingGated) continue;
    pending.push_back(std::move(pod));
  }
  SchedulingPass pass;
  if (pending.empty()) return pass;
  std::sort(pending.begin(), pending.end(), [](const auto& a, const auto& b) {
    return a->priority != b->priority ? a->priority > b->priority : a->key() < b->key();
  });
  // Nodes no pending pod can go on are left out of the solve, and so are pods that no node
  // can take: building and packing every Ready node and pod on every pass was most of a day's
  // simulation, and the solver would place nothing there, so the bindings are the same.
  // Topology and gangs make every node and pod count.
  const bool allNodes = std::any_of(pending.begin(), pending.end(),
                                    [](const auto& p) { return countsOtherNodes(*p); });
  std::vector<bool> placeable(pending.size(), allNodes);
  binpack::Snapshot snapshot;
  snapshot.region = region;
  for (const auto& node : cluster.nodes()) {
    if (!schedulable(*node)) continue;
    const InMemoryCluster::NodeLoad& load = cluster.loadOn(node->name);
    bool useful = allNodes;
    for (size_t i = 0; i < pending.size() && !allNodes; ++i) {
      const api::Pod& p = *pending[i];
      if (refusedByNode(p, *node) || shortOfRoom(p, *node, load.requested)) continue;
      placeable[i] = true;
      useful = true;
    }
    if (useful) snapshot.nodes.push_back(chargedNode(*node, load, allNodes));
  }
  for (size_t i = 0; i < pending.size(); ++i) {
    if (placeable[i]) snapshot.pods.push_back(*pending[i]);
  }
  std::set<std::string> placed;
  if (!snapshot.pods.empty() && !snapshot.nodes.empty()) {
    std::sort(snapshot.nodes.begin(), snapshot.nodes.end(),
              [](const api::Node& a, const api::Node& b) { return a.name < b.name; });
    static const api::InstanceTypes kNoNewNodes;
    auto plan = binpack::solve(snapshot, kNoNewNodes);
    if (!plan) return fail(plan.error());
    for (const auto& p : plan->existing) {
      pass.bound.push_back({p.pod, p.node});
      placed.insert(p.pod);
    }
  }
  for (const auto& pod : pending) {
    if (!placed.contains(pod->key())) pass.unschedulable.push_back(pod->key());
  }
  return pass;
}

}  // namespace gantry::provisioner::simulate
