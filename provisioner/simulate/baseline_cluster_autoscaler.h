// The `cluster-autoscaler` baseline of `gantry simulate --compare`: the Kubernetes Cluster
// Autoscaler with node groups (one instance type each, as on EKS managed node groups or ASGs)
// and its default settings, as an experienced user would have set it up for the NodePool.
//
// What is modelled:
// - Node groups: for each distinct pod shape (requests including GPUs, node selector,
//   required node affinity, tolerations), the NodePool's cheapest instance type and capacity
//   type that fits one such pod, within the pool's requirements. The group spans the zones
//   the pool allows.
// - Scale-up: pending pods that existing or upcoming nodes have no room for go to their
//   shape's group, packed first-fit onto nodes of that one type (the "price"/"least-waste"
//   expanders agree when a shape has one group). NodePool limits still apply.
// - Scale-down (defaults): a node is removed after 10 min unneeded
//   (--scale-down-unneeded-time), never within 10 min of a scale-up
//   (--scale-down-delay-after-add), at most 10 empty nodes at once
//   (--max-empty-bulk-delete).
//
// What is not: "unneeded" is only "empty" here (no pod but DaemonSet and mirror pods). The
// real CA also drains nodes under 50% utilization whose pods fit elsewhere; for the batch GPU
// traces this tool is for, that would evict running training pods, which their owners
// forbid with safe-to-evict: "false". CA's 10 s scan interval is the batch window here.
#pragma once

#include <string>

#include "provisioner/simulate/decision_policy.h"

namespace gantry::provisioner::simulate {

inline constexpr const char* kClusterAutoscalerBaseline = "cluster-autoscaler";

// CA's defaults the baseline uses.
inline constexpr auto kCaScaleDownUnneededTime = std::chrono::minutes(10);
inline constexpr auto kCaScaleDownDelayAfterAdd = std::chrono::minutes(10);
inline constexpr const char* kCaMaxEmptyBulkDelete = "10";

DecisionPolicy clusterAutoscalerPolicy();

// The node-group key of a pod: requests, node selector, required node affinity, tolerations.
// Pods with equal keys always get the same group.
std::string podShapeKey(const api::Pod& pod);

}  // namespace gantry::provisioner::simulate
