// The cluster as consolidation's planner sees it, built from one read of the cache (the same
// ClusterObjects a provisioning pass reads): every Node with its pods, NodeClaim and price,
// which of them may receive pods (targets) and which may be taken away (candidates), and how
// many more nodes each pool's budgets let consolidation disrupt. Pure.
#pragma once

#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "provisioner/disruption/blockers.h"
#include "provisioner/disruption/consolidation_planner.h"
#include "provisioner/provisioning/cluster_snapshot.h"
#include "src/common/clock.h"

namespace gantry::provisioner::disruption {

// The disruption taint that fences a node (nodeclaim::kDisruptedTaintKey).
bool hasDisruptionFence(const api::Node& node);

// Whether a pool lets consolidation take underutilized nodes: WhenEmptyOrUnderutilized with a
// consolidateAfter other than Never.
bool consolidationEnabled(const api::NodePool& pool);

struct BuiltInput {
  ConsolidationInput input;
  // Nodes that would be candidates but for what blocks them: (claim name, node name, block).
  std::vector<std::tuple<std::string, std::string, Block>> blocked;
};

// A node is a target when it is ready, schedulable, not fenced or deleting, and (if Gantry's)
// its claim is initialized and not deleting. It is a candidate when also: its claim is
// Consolidatable, its pool allows consolidation, `excluded` does not name its claim (moves
// already under way), it runs a pod to move, and neither do-not-disrupt nor a pod filter
// (consolidation_candidates.h) blocks it. A node's price is its offering's in `catalog`
// (instance type, zone and capacity type labels); 0 when unknown.
BuiltInput buildConsolidationInput(const ClusterObjects& objects,
                                   const api::InstanceTypes& catalog, const std::string& region,
                                   Clock::TimePoint now, const std::set<std::string>& excluded);

}  // namespace gantry::provisioner::disruption
