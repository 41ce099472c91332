// The provisionable-pod rules; see pending_pods.h. Order matters only for the verdict a
// pod gets when several rules apply: the cheapest, most final reasons come first.
#include "provisioner/snapshot/provisionable.h"

namespace gantry::provisioner {

namespace {

// The kubelet marks the API copy of a static pod with this annotation; the pod is also
// owned by its Node. Either way no scheduler (and no new node) can help it.
constexpr std::string_view kMirrorAnnotation = "kubernetes.io/config.mirror";

}  // namespace

std::string_view podVerdictName(PodVerdict verdict) {
  switch (verdict) {
    case PodVerdict::kProvisionable: return "provisionable";
    case PodVerdict::kTerminal: return "terminal";
    case PodVerdict::kBound: return "bound";
    case PodVerdict::kTerminating: return "terminating";
    case PodVerdict::kDaemonSetPod: return "daemonset pod";
    case PodVerdict::kMirrorPod: return "mirror pod";
    case PodVerdict::kSchedulingGated: return "scheduling gated";
    case PodVerdict::kNominated: return "nominated";
    case PodVerdict::kNotYetUnschedulable: return "not marked unschedulable";
  }
  return "unknown";
}

PodVerdict classifyPendingPod(const api::Pod& pod, const std::set<std::string, std::less<>>& nodeNames) {
  return classifyPendingPod(pod, [&](std::string_view n) { return nodeNames.contains(n); });
}

PodVerdict classifyPendingPod(const api::Pod& pod, const NodeExists& nodeExists) {
  if (pod.finished()) return PodVerdict::kTerminal;
  if (!pod.nodeName.empty()) return PodVerdict::kBound;
  if (pod.terminating) return PodVerdict::kTerminating;
  if (pod.owner.kind == "DaemonSet") return PodVerdict::kDaemonSetPod;
  if (pod.owner.kind == "Node" || pod.annotations.contains(kMirrorAnnotation)) {
    return PodVerdict::kMirrorPod;
  }
  if (pod.schedulingGated) return PodVerdict::kSchedulingGated;
  if (!pod.nominatedNodeName.empty()) {
    // Preemption is making room on that node; a new node would be wasted. Unless the node
    // is gone: then nothing will place the pod until someone provisions for it.
    return nodeExists(pod.nominatedNodeName) ? PodVerdict::kNominated
                                                     : PodVerdict::kProvisionable;
  }
  // A pod the scheduler has not tried yet may still fit somewhere; only its verdict counts.
  return pod.unschedulable ? PodVerdict::kProvisionable : PodVerdict::kNotYetUnschedulable;
}

}  // namespace gantry::provisioner
