// The kube-scheduler of `gantry simulate`: binds pending pods to Nodes that can take them and
// marks the rest Unschedulable, which is what makes the provisioner see them (in a cluster the
// scheduler's PodScheduled=False is the provisioner's signal). Feasibility is the solver's own
// (binpack::solve with the Nodes as existing capacity and no NodePools to open new ones):
// resources, node selectors and affinity, pod (anti-)affinity and spread, taints and
// tolerations, host ports. So a pod the provisioner planned onto a node fits there when that
// node is ready, and the two never disagree about what fits. Scoring is the solver's: existing
// nodes in name order, first fit; deterministic, not kube-scheduler's spreading.
#pragma once

#include <string>
#include <vector>

#include "provisioner/simulate/in_memory_cluster.h"
#include "src/common/status.h"

namespace gantry::provisioner::simulate {

struct Binding {
  std::string pod;  // "ns/name"
  std::string node;
};

struct SchedulingPass {
  std::vector<Binding> bound;              // in the order the solver placed them
  std::vector<std::string> unschedulable;  // pods that fit on no Node now, by key
};

// One scheduling pass over every pending pod (not bound, not terminating, not gated), by
// priority (highest first) then key, onto Nodes that are Ready, not cordoned and not being
// deleted. Pure with respect to `cluster` (the caller binds). Errors: the solver's kInvalid.
Result<SchedulingPass> schedulePending(const InMemoryCluster& cluster, const std::string& region);

}  // namespace gantry::provisioner::simulate
