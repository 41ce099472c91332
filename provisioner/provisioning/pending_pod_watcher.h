// The pending-pod watcher: turns cluster-cache events into batcher triggers, and when a
// window closes hands the provisioner every pod that needs capacity at that moment (not
// only those that triggered it, so a pod whose earlier batch failed is retried too).
#pragma once

#include <atomic>
#include <optional>
#include <vector>

#include "provisioner/provisioning/batcher.h"
#include "provisioner/snapshot/provisionable.h"
#include "src/api/pod.h"
#include "src/kube/cluster_cache.h"

namespace gantry::provisioner {

struct PendingBatch {
  Batch window;
  std::vector<kube::ObjectPtr<api::Pod>> pods;  // sorted by key
};

class PendingPodWatcher {
 public:
  // Registers handlers on the cache's informers. REQUIRES: called before cache.start();
  // cache and batcher outlive the watcher.
  PendingPodWatcher(kube::ClusterCache& cache, Batcher& batcher);

  // Every pod in the cache that needs capacity now (isProvisionable), sorted by key.
  // Thread-safe.
  std::vector<kube::ObjectPtr<api::Pod>> pendingPods() const;

  // Waits for the batcher's next window and returns it with pendingPods() at its close;
  // nullopt when `stop` turns true. A window whose pods all got scheduled meanwhile comes
  // back with no pods.
  std::optional<PendingBatch> next(const std::atomic<bool>& stop);

 private:
  PodVerdict verdict(const api::Pod& pod) const;
  bool needsCapacity(const api::Pod& pod) const;

  kube::ClusterCache& cache_;
  Batcher& batcher_;
};

}  // namespace gantry::provisioner
