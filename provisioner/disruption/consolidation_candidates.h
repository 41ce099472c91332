// Which pods consolidation may move, and how full a node is (Karpenter's disruption
// candidate filters, extended for training work and GPUs). Pure functions over values, so the
// planner, the controller and the benchmark judge a node alike.
//
// A pod keeps its node when moving it would do harm:
//   - do-not-disrupt (blockers.h, shared with every method);
//   - no controller owns it (a bare pod is not recreated once evicted);
//   - it keeps data on the node (a hostPath volume; emptyDir is scratch and does not count);
//   - it is training work (owned by a Job, TFJob, PyTorchJob, MPIJob, JAXJob, XGBoostJob, or
//     a Katib trial): restarting it throws away hours of GPU time, so it is treated as
//     do-not-disrupt unless its NodePool says gantry.dev/consolidate-training-pods: "true".
//     Emptiness still reaps the node once the training pods have finished.
// PodDisruptionBudgets are checked by the controller against the apiserver (an eviction dry
// run), since the cache does not hold them.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "provisioner/disruption/blockers.h"
#include "src/api/node.h"
#include "src/api/nodepool.h"
#include "src/api/pod.h"

namespace gantry::provisioner::disruption {

// NodePool annotation that lets consolidation evict training pods.
inline constexpr std::string_view kConsolidateTrainingPodsAnnotation =
    "gantry.dev/consolidate-training-pods";

// DaemonSet and mirror pods: they go with the node and need no room elsewhere.
bool runsWithNode(const api::Pod& pod);

// Owned by a training controller (Job, Kubeflow training jobs) or labelled as a Katib trial's.
bool isTrainingPod(const api::Pod& pod);

// Why consolidation may not move `pod` off a node of `pool`, or nullopt. `pod` is bound and
// not terminal; DaemonSet and mirror pods never block (they are not moved).
std::optional<Block> consolidationBlock(const api::Pod& pod, const api::NodePool& pool);

// How full a node is, in [0, 1]: on a node with GPUs, the share of its GPUs requested (a GPU
// node whose GPUs are idle is empty for this purpose, whatever CPU pods it still runs);
// otherwise the larger of the CPU and memory shares. `requested` is the sum of its pods'
// requests.
double utilisation(const api::ResourceList& allocatable, const api::ResourceList& requested);

// GPUs (nvidia.com/gpu, amd.com/gpu) in a resource list.
double gpuCount(const api::ResourceList& resources);

}  // namespace gantry::provisioner::disruption
