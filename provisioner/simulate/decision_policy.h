// The seam `gantry simulate --compare` plays baselines through: an autoscaler's *decisions*
// (how pending pods become new nodes, when nodes go), while the trace, the simulated cloud,
// the scheduler, kubelet and workload models, the NodeClaim lifecycle and the seed stay the
// engine's own. The default policy is Gantry's: the solver plans, NodePools as written.
// Baselines build theirs in baseline_*.h.
#pragma once

#include <functional>
#include <string>

#include "provisioner/provisioning/provisioner.h"
#include "src/api/nodepool.h"
#include "src/common/clock.h"

namespace gantry::provisioner::simulate {

struct DecisionPolicy {
  // Plans each provisioning pass instead of binpack::solve (ProvisionerOptions::planner).
  // Empty: the solver. REQUIRES: pure and deterministic, as the engine must stay.
  decltype(ProvisionerOptions::planner) planner{};
  // Rewrites every NodePool once before the run (a baseline's scale-down timing is the
  // emptiness method's consolidateAfter). Empty: pools as the trace wrote them.
  std::function<void(api::NodePool&)> adjustNodePool{};
  // No node is disrupted until this long after the last pass that created a NodeClaim
  // (cluster-autoscaler's --scale-down-delay-after-add). Zero: no hold.
  Clock::Duration scaleDownDelayAfterAdd{0};
  // Gantry's consolidation of underutilized nodes (WhenEmptyOrUnderutilized pools: delete,
  // replace, multi-node). Baselines turn it off: their scale-down is the emptiness method.
  bool consolidate = true;
  // The interruption controller acting on a spot reclaim's two-minute notice (fence, offering
  // marked unavailable, claim deleted, pods planned at once). Baselines turn it off: they see
  // a reclaim when the instance is gone (cluster-autoscaler has no notice handling of its own).
  bool interruptionNotices = true;
};

}  // namespace gantry::provisioner::simulate
