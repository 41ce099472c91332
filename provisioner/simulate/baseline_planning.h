// What the baselines of `gantry simulate --compare` (baseline_cluster_autoscaler.h,
// baseline_per_pod.h) share: both leave pods the cluster already has room for (existing and
// in-flight nodes, as any autoscaler's scheduling simulation counts them) where the solver
// puts them, and differ only in how the rest become new nodes. Both ask the solver for the
// cheapest node of a NodePool for a given set of pods, but never let it mix pod shapes or
// pack by its own rules.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "binpack/snapshot.h"
#include "src/api/instance_type.h"
#include "src/common/status.h"

namespace gantry::provisioner::simulate {

// The solver's plan for a pass with its new nodes taken out: `plan` keeps the placements on
// existing and in-flight nodes and the unschedulable pods; `needNewNodes` lists the pods the
// solver would have launched nodes for, in the snapshot's order, their gangs dropped
// (neither baseline launches all-or-nothing groups). Errors: the solver's.
struct SplitPlan {
  binpack::Plan plan;
  std::vector<api::Pod> needNewNodes;
};
Result<SplitPlan> placeOnExistingNodes(const binpack::Snapshot& snapshot,
                                       const api::InstanceTypes& catalog,
                                       const binpack::Options& options);

// Plans `pods` on new nodes only (no existing capacity), from `pools`, counting `usage`
// against the pools' limits. Errors: the solver's.
Result<binpack::Plan> planOnNewNodes(
    const binpack::Snapshot& base, std::vector<api::Pod> pods, std::vector<api::NodePool> pools,
    const std::map<std::string, api::ResourceList, std::less<>>& usage,
    const api::InstanceTypes& catalog, const binpack::Options& options);

// Appends `from`'s new nodes and unschedulable pods to `into`, and counts each new node's
// capacity (and one node) against its pool in `usage`, as the snapshot counts launched ones.
void appendNewNodes(const binpack::Plan& from, const api::InstanceTypes& catalog,
                    std::map<std::string, api::ResourceList, std::less<>>& usage,
                    binpack::Plan& into);

}  // namespace gantry::provisioner::simulate
