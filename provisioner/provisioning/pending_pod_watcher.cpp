// Triggers come from pod adds and updates (the scheduler marking a pod Unschedulable is an
// update), from node deletions (pods nominated to the vanished node), and from changes that
// can make room for pods a pass already left alone: a NodeClaim deleted (a failed launch, a
// node that never registered: its pods were counted as covered) and a NodePool added or its
// spec changed (a raised limit, a new pool). Those pods do not change, so nothing else
// would wake the provisioner for them. Pending pods are found through the phase index:
// bound pods are mostly Running, so the scan stays small even with 50,000 pods in the cache.
#include "provisioner/provisioning/pending_pod_watcher.h"

#include <algorithm>
#include <string_view>

#include "provisioner/snapshot/provisionable.h"

namespace gantry::provisioner {

PendingPodWatcher::PendingPodWatcher(kube::ClusterCache& cache, Batcher& batcher)
    : cache_(cache), batcher_(batcher) {
  auto onPod = [this](const kube::ObjectPtr<api::Pod>& pod) {
    if (needsCapacity(*pod)) batcher_.trigger(pod->key());
  };
  cache_.pods().addHandlers({
      .onAdd =
          [this](const kube::ObjectPtr<api::Pod>& pod) {
            // A new pod the scheduler has yet to judge opens the window early (batcher.h).
            switch (verdict(*pod)) {
              case PodVerdict::kProvisionable: batcher_.trigger(pod->key()); break;
              case PodVerdict::kNotYetUnschedulable: batcher_.expect(pod->key()); break;
              default: break;
            }
          },
      .onUpdate = [onPod](const kube::ObjectPtr<api::Pod>&,
                          const kube::ObjectPtr<api::Pod>& now) { onPod(now); },
      .onDelete = nullptr,
  });
  cache_.nodes().addHandlers({
      .onAdd = nullptr,
      .onUpdate = nullptr,
      .onDelete =
          [this](const kube::ObjectPtr<api::Node>& node) {
            for (const auto& pod : cache_.pods().store().byIndex(kube::kPodsByPhase, "Pending")) {
              if (pod->nominatedNodeName == node->name && needsCapacity(*pod)) {
                batcher_.trigger(pod->key());
              }
            }
          },
  });
  if (!cache_.hasGantryResources()) return;
  auto retryPending = [this] {
    for (const auto& pod : pendingPods()) batcher_.trigger(pod->key());
  };
  cache_.nodeClaims().addHandlers({
      .onAdd = nullptr,
      .onUpdate = nullptr,
      .onDelete = [retryPending](const kube::ObjectPtr<api::NodeClaim>&) { retryPending(); },
  });
  cache_.nodePools().addHandlers({
      .onAdd = [retryPending](const kube::ObjectPtr<api::NodePool>&) { retryPending(); },
      // A spec change only: status writes (usage, LimitReached) would only re-plan in vain.
      .onUpdate =
          [retryPending](const kube::ObjectPtr<api::NodePool>& before,
                         const kube::ObjectPtr<api::NodePool>& now) {
            if (before->generation != now->generation) retryPending();
          },
      .onDelete = nullptr,
  });
}

PodVerdict PendingPodWatcher::verdict(const api::Pod& pod) const {
  return classifyPendingPod(pod, [this](std::string_view node) {
    return cache_.nodes().store().get(std::string(node)) != nullptr;
  });
}

bool PendingPodWatcher::needsCapacity(const api::Pod& pod) const {
  return verdict(pod) == PodVerdict::kProvisionable;
}

std::vector<kube::ObjectPtr<api::Pod>> PendingPodWatcher::pendingPods() const {
  auto pods = cache_.pods().store().byIndex(kube::kPodsByPhase, "Pending");
  std::erase_if(pods, [this](const kube::ObjectPtr<api::Pod>& p) { return !needsCapacity(*p); });
  std::sort(pods.begin(), pods.end(),
            [](const auto& a, const auto& b) { return keyLess(*a, *b); });
  return pods;
}

std::optional<PendingBatch> PendingPodWatcher::next(const std::atomic<bool>& stop) {
  auto window = batcher_.wait(stop);
  if (!window) return std::nullopt;
  return PendingBatch{.window = std::move(*window), .pods = pendingPods()};
}

}  // namespace gantry::provisioner
