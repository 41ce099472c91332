// The `per-pod` baseline of `gantry simulate --compare`: the simplest autoscaler there is.
// Every pending pod the cluster has no room for gets a node of its own, the cheapest type of
// the NodePool that fits that one pod; the planner never packs several pods onto one new node
// (the scheduler model may still bind later pods into room a node has left, as kube-scheduler
// would). Nodes go as Gantry's do: when empty for the NodePool's consolidateAfter.
#pragma once

#include "provisioner/simulate/decision_policy.h"

namespace gantry::provisioner::simulate {

inline constexpr const char* kPerPodBaseline = "per-pod";

DecisionPolicy perPodPolicy();

}  // namespace gantry::provisioner::simulate
