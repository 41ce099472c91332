// The cluster-autoscaler planner: the solver is asked twice per shape. First for one pod of
// the shape alone, which names the group (the cheapest type and capacity type of the pool that
// fits it); then for all the shape's pods with the pool narrowed to that one type and capacity
// type, which packs them onto as few nodes of the type as fit, the same as CA's first fit for
// pods of one shape.
#include "provisioner/simulate/baseline_cluster_autoscaler.h"

#include <map>
#include <vector>

#include "provisioner/simulate/baseline_planning.h"
#include "src/api/well_known_labels.h"

namespace gantry::provisioner::simulate {

namespace {

// The pool narrowed to one node group: `type` bought as `capacityType` only.
api::NodePool nodeGroupOf(api::NodePool pool, const binpack::PlannedNode& group) {
  std::erase_if(pool.requirements, [](const api::Requirement& r) {
    return r.key == api::label::kInstanceType || r.key == api::label::kCapacityType;
  });
  pool.requirements.push_back({.key = std::string(api::label::kInstanceType),
                               .op = api::SelectorOp::kIn,
                               .values = {group.instanceType}});
  pool.requirements.push_back({.key = std::string(api::label::kCapacityType),
                               .op = api::SelectorOp::kIn,
                               .values = {group.capacityType}});
  return pool;
}

Result<binpack::Plan> planClusterAutoscaler(const binpack::Snapshot& snapshot,
                                            const api::InstanceTypes& catalog,
                                            const binpack::Options& options) {
  auto split = placeOnExistingNodes(snapshot, catalog, options);
  if (!split) return fail(split.error());
  binpack::Plan out = std::move(split->plan);
  // Shapes in the order their first pod comes, so the plan is the same on every run.
  std::vector<std::vector<api::Pod>> shapes;
  std::map<std::string, size_t> shapeIndex;
  for (api::Pod& pod : split->needNewNodes) {
    auto [it, added] = shapeIndex.emplace(podShapeKey(pod), shapes.size());
    if (added) shapes.emplace_back();
    shapes[it->second].push_back(std::move(pod));
  }
  auto usage = snapshot.nodePoolUsage;
  for (std::vector<api::Pod>& pods : shapes) {
    auto group =
        planOnNewNodes(snapshot, {pods.front()}, snapshot.nodePools, usage, catalog, options);
    if (!group) return fail(group.error());
    if (group->nodes.empty()) {  // no group fits this shape: none of its pods can scale up
      const std::string reason = group->unschedulable.empty() ? "no node group fits this pod"
                                                              : group->unschedulable.front().reason;
      for (const auto& pod : pods) out.unschedulable.push_back({pod.key(), reason});
      continue;
    }
    const binpack::PlannedNode& chosen = group->nodes.front();
    std::vector<api::NodePool> pools;
    for (const auto& pool : snapshot.nodePools) {
      if (pool.name == chosen.nodePool) pools.push_back(nodeGroupOf(pool, chosen));
    }
    auto packed =
        planOnNewNodes(snapshot, std::move(pods), std::move(pools), usage, catalog, options);
    if (!packed) return fail(packed.error());
    appendNewNodes(*packed, catalog, usage, out);
  }
  return out;
}

}  // namespace

std::string podShapeKey(const api::Pod& pod) {
  std::string key = "requests:" + pod.requests.toString() + "|selector:";
  for (const auto& [k, v] : pod.nodeSelector) key += k + "=" + v + ",";
  key += "|affinity:";
  for (const auto& term : pod.requiredNodeAffinity.terms) key += term.toString() + ";";
  key += "|tolerations:";
  for (const auto& t : pod.tolerations) {
    key += t.key + (t.op == api::Toleration::Op::kExists ? " exists " : "=") + t.value + ":" +
           (t.effect ? std::string(api::taintEffectName(*t.effect)) : "*") + ";";
  }
  return key;
}

DecisionPolicy clusterAutoscalerPolicy() {
  return DecisionPolicy{
      .planner = planClusterAutoscaler,
      .adjustNodePool =
          [](api::NodePool& pool) {
            // CA knows nothing of the pool's disruption settings: its own flags decide.
            pool.consolidateAfter =
                std::to_string(std::chrono::minutes(kCaScaleDownUnneededTime).count()) + "m";
            api::DisruptionBudget budget;
            budget.nodes = kCaMaxEmptyBulkDelete;
            pool.budgets = {budget};
          },
      .scaleDownDelayAfterAdd = kCaScaleDownDelayAfterAdd,
      .consolidate = false,
      .interruptionNotices = false,
  };
}

}  // namespace gantry::provisioner::simulate
