// The consolidation pod filters and the GPU-aware utilisation that orders candidates.
#include "provisioner/disruption/consolidation_candidates.h"

#include <algorithm>
#include <array>

namespace gantry::provisioner::disruption {

namespace {

// Kinds whose pods are (parts of) training runs. A Job's pods are included: batch work that
// restarts from scratch when evicted, and what a Katib trial runs as.
constexpr std::array<std::string_view, 7> kTrainingKinds = {
    "Job", "TFJob", "PyTorchJob", "MPIJob", "JAXJob", "XGBoostJob", "Trial"};
// Katib labels every pod of a trial with the trial's name.
constexpr std::string_view kKatibTrialLabel = "katib.kubeflow.org/trial";

double share(const api::ResourceList& allocatable, const api::ResourceList& requested,
             std::string_view name) {
  const int64_t total = allocatable.get(name).milliValue();
  if (total <= 0) return 0;
  return static_cast<double>(requested.get(name).milliValue()) / static_cast<double>(total);
}

}  // namespace

bool runsWithNode(const api::Pod& pod) {
  return pod.owner.kind == "DaemonSet" || pod.annotations.contains("kubernetes.io/config.mirror");
}

bool isTrainingPod(const api::Pod& pod) {
  if (pod.labels.contains(std::string(kKatibTrialLabel))) return true;
  return std::find(kTrainingKinds.begin(), kTrainingKinds.end(), pod.owner.kind) !=
         kTrainingKinds.end();
}

std::optional<Block> consolidationBlock(const api::Pod& pod, const api::NodePool& pool) {
  if (runsWithNode(pod)) return std::nullopt;
  if (saysDoNotDisrupt(pod.annotations)) {
    return Block{"do-not-disrupt", "pod " + pod.key() + " is annotated do-not-disrupt"};
  }
  if (pod.owner.empty()) {
    return Block{"no-controller",
                 "pod " + pod.key() + " has no controller to recreate it elsewhere"};
  }
  if (pod.localStorage) {
    return Block{"local-storage", "pod " + pod.key() + " keeps data on the node (hostPath)"};
  }
  if (isTrainingPod(pod)) {
    auto it = pool.annotations.find(std::string(kConsolidateTrainingPodsAnnotation));
    if (it == pool.annotations.end() || it->second != "true") {
      return Block{"training-pod", "pod " + pod.key() + " is training work (" + pod.owner.kind +
                                       " " + pod.owner.name +
                                       "), which consolidation does not restart"};
    }
  }
  return std::nullopt;
}

double gpuCount(const api::ResourceList& resources) {
  double n = 0;
  for (const char* name : {"nvidia.com/gpu", "amd.com/gpu"}) {
    n += static_cast<double>(resources.get(name).milliValue()) / 1000.0;
  }
  return n;
}

double utilisation(const api::ResourceList& allocatable, const api::ResourceList& requested) {
  const double gpus = gpuCount(allocatable);
  if (gpus > 0) return std::clamp(gpuCount(requested) / gpus, 0.0, 1.0);
  return std::clamp(std::max(share(allocatable, requested, "cpu"),
                             share(allocatable, requested, "memory")),
                    0.0, 1.0);
}

}  // namespace gantry::provisioner::disruption
