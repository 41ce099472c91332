// The scheduler model's pass: the cluster as the solver sees existing capacity, then the
// solver's placements onto it read back as bindings.
#include "provisioner/simulate/scheduler_model.h"

#include <algorithm>
#include <set>

#include "binpack/solver.h"

namespace gantry::provisioner::simulate {

namespace {

bool schedulable(const api::Node& node) {
  return node.ready && !node.unschedulable && !node.deleting;
}

// A Node with what its bound pods take, their labels and host ports: free capacity is
// allocatable - requested, as the snapshot contract says.
api::Node chargedNode(const api::Node& node, const InMemoryCluster& cluster) {
  api::Node charged = node;
  charged.requested = {};
  charged.pods.clear();
  charged.hostPorts.clear();
  auto pods = cluster.podsOn(node.name);
  std::sort(pods.begin(), pods.end(),
            [](const auto& a, const auto& b) { return a->key() < b->key(); });
  for (const auto& pod : pods) {
    charged.requested += pod->requests;
    charged.pods.emplace_back(pod->key(), pod->labels);
    charged.hostPorts.insert(charged.hostPorts.end(), pod->hostPorts.begin(), pod->hostPorts.end());
  }
  return charged;
}

}  // namespace

Result<SchedulingPass> schedulePending(const InMemoryCluster& cluster, const std::string& region) {
  binpack::Snapshot snapshot;
  snapshot.region = region;
  for (const auto& pod : cluster.pendingPods()) {
    if (!pod->nodeName.empty() || pod->terminating || pod->schedulingGated) continue;
    snapshot.pods.push_back(*pod);
  }
  SchedulingPass pass;
  if (snapshot.pods.empty()) return pass;
  std::sort(snapshot.pods.begin(), snapshot.pods.end(), [](const api::Pod& a, const api::Pod& b) {
    return a.priority != b.priority ? a.priority > b.priority : a.key() < b.key();
  });
  for (const auto& node : cluster.nodes()) {
    if (schedulable(*node)) snapshot.nodes.push_back(chargedNode(*node, cluster));
  }
  std::sort(snapshot.nodes.begin(), snapshot.nodes.end(),
            [](const api::Node& a, const api::Node& b) { return a.name < b.name; });

  static const api::InstanceTypes kNoNewNodes;
  auto plan = binpack::solve(snapshot, kNoNewNodes);
  if (!plan) return fail(plan.error());
  std::set<std::string> placed;
  for (const auto& p : plan->existing) {
    pass.bound.push_back({p.pod, p.node});
    placed.insert(p.pod);
  }
  for (const auto& pod : snapshot.pods) {
    if (!placed.contains(pod.key())) pass.unschedulable.push_back(pod.key());
  }
  return pass;
}

}  // namespace gantry::provisioner::simulate
