// The shared half of the baseline planners. The solver still decides feasibility (taints,
// selectors, affinity, limits, daemonset overhead, offerings held back after capacity
// errors), so a baseline is never wrong about what fits, only about what it chooses.
#include "provisioner/simulate/baseline_planning.h"

#include <set>

#include "binpack/solver.h"

namespace gantry::provisioner::simulate {

Result<SplitPlan> placeOnExistingNodes(const binpack::Snapshot& snapshot,
                                       const api::InstanceTypes& catalog,
                                       const binpack::Options& options) {
  auto full = binpack::solve(snapshot, catalog, options);
  if (!full) return fail(full.error());
  SplitPlan out;
  out.plan.existing = std::move(full->existing);
  out.plan.unschedulable = std::move(full->unschedulable);
  std::set<std::string> onNewNodes;
  for (const auto& node : full->nodes) onNewNodes.insert(node.pods.begin(), node.pods.end());
  for (const auto& pod : snapshot.pods) {
    if (!onNewNodes.contains(pod.key())) continue;
    api::Pod copy = pod;
    copy.gang.clear();
    out.needNewNodes.push_back(std::move(copy));
  }
  return out;
}

Result<binpack::Plan> planOnNewNodes(
    const binpack::Snapshot& base, std::vector<api::Pod> pods, std::vector<api::NodePool> pools,
    const std::map<std::string, api::ResourceList, std::less<>>& usage,
    const api::InstanceTypes& catalog, const binpack::Options& options) {
  binpack::Snapshot snap;
  snap.pods = std::move(pods);
  snap.nodePools = std::move(pools);
  snap.daemonSets = base.daemonSets;
  snap.nodePoolUsage = usage;
  snap.region = base.region;
  return binpack::solve(snap, catalog, options);
}

void appendNewNodes(const binpack::Plan& from, const api::InstanceTypes& catalog,
                    std::map<std::string, api::ResourceList, std::less<>>& usage,
                    binpack::Plan& into) {
  for (const auto& node : from.nodes) {
    into.nodes.push_back(node);
    into.totalPricePerHour += node.nodeCostPerHour;
    api::ResourceList& u = usage[node.nodePool];
    for (const auto& type : catalog) {
      if (type.name == node.instanceType) u += type.capacity;
    }
    u.set(api::resource::kNodes, u.get(api::resource::kNodes) + api::Quantity::fromValue(1));
  }
  into.unschedulable.insert(into.unschedulable.end(), from.unschedulable.begin(),
                            from.unschedulable.end());
}

}  // namespace gantry::provisioner::simulate
