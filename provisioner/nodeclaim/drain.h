// What draining a Node means, as pure functions (Karpenter's node/termination/terminator):
// which of the pods on a Node are evicted through the Eviction API, which are left alone,
// which are waited for, and in what order; plus the Node patch that fences the Node off
// (gantry.dev/disrupted:NoSchedule and cordon). The termination finalizer (termination.cpp)
// does the I/O around them, so these are tested without a cluster.
#pragma once

#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "src/api/pod.h"
#include "src/api/taints.h"
#include "src/common/status.h"

namespace gantry::provisioner::nodeclaim {

// The taint on a Node being drained (Karpenter's karpenter.sh/disrupted:NoSchedule). Pods
// that tolerate it are meant to stay to the end and are not evicted.
inline constexpr std::string_view kDisruptedTaintKey = "gantry.dev/disrupted";
api::Taint disruptedTaint();

// Pods at or above this priority are system-critical (Kubernetes' SystemCriticalPriority:
// system-cluster-critical is 2000000000, system-node-critical 2000001000). They are evicted
// last, once every other pod has gone, so the node keeps its networking and logging to the end.
inline constexpr int32_t kSystemCriticalPriority = 2000000000;
bool isSystemCritical(const api::Pod& pod);

// Why a pod on a draining Node is not evicted, or nullopt when it must be.
enum class DrainSkip {
  kDaemonSet,           // its DaemonSet would put it right back (and it should run to the end)
  kMirror,              // a static pod's mirror (or a pod owned by the Node): the kubelet owns it
  kTerminal,            // Succeeded or Failed: holds nothing
  kTerminating,         // already being deleted: waited for, not evicted again
  kToleratesDisrupted,  // tolerates gantry.dev/disrupted: it chose to stay
};
std::optional<DrainSkip> drainSkip(const api::Pod& pod);
std::string_view drainSkipName(DrainSkip skip);

using PodPtr = std::shared_ptr<const api::Pod>;

// One pass of a drain over the pods bound to a Node.
struct DrainSelection {
  // To evict in this pass, in order: the non-critical pods; or, once no non-critical pod is
  // left (evictable or still terminating), the system-critical ones. Sorted by
  // namespace/name within a group, so passes are repeatable.
  std::vector<PodPtr> evictNow;
  // System-critical pods held back until the non-critical ones have gone.
  std::vector<PodPtr> evictLater;
  // Terminating pods (evicted earlier, or deleted by someone else) still on the Node.
  std::vector<PodPtr> terminating;

  // Pods that will still be evicted (evictNow + evictLater).
  std::size_t evictable() const { return evictNow.size() + evictLater.size(); }
  // Nothing left to evict and nothing left to wait for: the Node may go.
  bool drained() const { return evictable() == 0 && terminating.empty(); }
};

// Sorts the pods of one Node into a DrainSelection. Pure; the input order does not matter.
// Terminal, DaemonSet, mirror and disrupted-tolerating pods appear nowhere (terminating ones
// of those kinds are not waited for either). With !waitForTerminating (a Node whose kubelet
// is gone, so nobody will finish them) terminating pods are ignored altogether.
DrainSelection selectPodsToEvict(const std::vector<PodPtr>& pods, bool waitForTerminating = true);

// The merge patch that adds gantry.dev/disrupted:NoSchedule to the raw Node `node` (its
// taints written whole, with its metadata.resourceVersion as precondition) and cordons it
// (spec.unschedulable). An empty object when the Node has both already. Errors: kInvalid
// when `node` is not an object or its taints are malformed.
Result<nlohmann::json> disruptedTaintPatch(const nlohmann::json& node);

}  // namespace gantry::provisioner::nodeclaim
