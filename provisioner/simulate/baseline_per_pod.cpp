// One solver call per pod, each with that pod alone and no existing capacity: the solver's
// answer is then simply the cheapest fitting type, with no GPU-aware packing to speak of.
// NodePool limits are still counted across the pass (appendNewNodes), so a limit stops
// per-pod as it stops Gantry.
#include "provisioner/simulate/baseline_per_pod.h"

#include "provisioner/simulate/baseline_planning.h"

namespace gantry::provisioner::simulate {

namespace {

Result<binpack::Plan> planPerPod(const binpack::Snapshot& snapshot,
                                 const api::InstanceTypes& catalog,
                                 const binpack::Options& options) {
  auto split = placeOnExistingNodes(snapshot, catalog, options);
  if (!split) return fail(split.error());
  binpack::Plan out = std::move(split->plan);
  auto usage = snapshot.nodePoolUsage;
  for (api::Pod& pod : split->needNewNodes) {
    auto alone =
        planOnNewNodes(snapshot, {std::move(pod)}, snapshot.nodePools, usage, catalog, options);
    if (!alone) return fail(alone.error());
    appendNewNodes(*alone, catalog, usage, out);
  }
  return out;
}

}  // namespace

DecisionPolicy perPodPolicy() {
  DecisionPolicy policy;
  policy.planner = planPerPod;
  policy.consolidate = false;
  policy.interruptionNotices = false;
  return policy;
}

}  // namespace gantry::provisioner::simulate
