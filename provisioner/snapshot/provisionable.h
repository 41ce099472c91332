// Which pods of a cluster are Gantry's to place: the rules Karpenter calls
// "provisionable" (the scheduler gave up on the pod, nobody else will place it), kept in one
// pure function so `plan` and the controller's pending-pod watcher agree and unit tests can pin every case.
#pragma once

#include <functional>
#include <set>
#include <string>
#include <string_view>

#include "src/api/pod.h"

namespace gantry::provisioner {

// Why a pod is not for the solver, or kProvisionable.
enum class PodVerdict {
  kProvisionable,
  kTerminal,           // phase Succeeded or Failed
  kBound,              // spec.nodeName set: it uses its node's capacity instead
  kTerminating,        // metadata.deletionTimestamp set
  kDaemonSetPod,       // its DaemonSet controller places it (one per node)
  kMirrorPod,          // a static pod's mirror: the kubelet owns it
  kSchedulingGated,    // spec.schedulingGates: not ready for any scheduler yet
  kNominated,          // preempting its way onto an existing node (status.nominatedNodeName)
  kNotYetUnschedulable,  // the scheduler has not (yet) said PodScheduled=False/Unschedulable
};

std::string_view podVerdictName(PodVerdict verdict);

// Answers whether a Node of this name exists now.
using NodeExists = std::function<bool(std::string_view)>;

// Decides for one decoded pod. A pod nominated to a node that is gone (`nodeExists` says
// no) is provisionable again (its preemption target vanished), even if the scheduler has
// not re-marked it Unschedulable yet. Pure; thread-safe if nodeExists is.
PodVerdict classifyPendingPod(const api::Pod& pod, const NodeExists& nodeExists);

// The same, with the existing Nodes given by name.
PodVerdict classifyPendingPod(const api::Pod& pod, const std::set<std::string, std::less<>>& nodeNames);

inline bool isProvisionable(const api::Pod& pod, const NodeExists& nodeExists) {
  return classifyPendingPod(pod, nodeExists) == PodVerdict::kProvisionable;
}

}  // namespace gantry::provisioner
