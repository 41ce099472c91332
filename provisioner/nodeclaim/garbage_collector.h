// Garbage collection (Karpenter's nodeclaim/garbagecollection and node GC): what the lifecycle
// cannot see by itself, run at start-up and then periodically as a singleton key on the
// controller skeleton.
// - An instance this cluster launched that no NodeClaim knows (a crash between launch and
//   status write, a claim force-deleted), or a second instance tagged for a claim that records
//   another (a launch that ran twice), is terminated after a grace period (30 s), so a launch
//   racing the cache is left alone.
// - A launched NodeClaim whose instance is gone (terminated behind our back, spot-reclaimed)
//   is deleted, so its pods are planned again.
// - A Node of ours (its providerID is one of this cluster's instances, or it carries a cached
//   NodePool's label and our finalizer) with no NodeClaim is removed.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "cloudprovider/cloud_provider.h"
#include "provisioner/controller.h"
#include "provisioner/nodeclaim/cluster_access.h"
#include "provisioner/runtime/queue_controller.h"
#include "src/common/clock.h"
#include "src/common/status.h"
#include "src/kube/cluster_cache.h"
#include "src/kube/event_recorder.h"
#include "src/kube/rest_client.h"

namespace gantry::provisioner::nodeclaim {

struct GarbageCollectionOptions {
  // An orphan instance must be this old (by launch time, else since first seen), and a claim's
  // instance or a Node's claim missing this long, before anything is done.
  Clock::Duration gracePeriod = std::chrono::seconds(30);
  Clock::Duration interval = std::chrono::seconds(30);  // between passes
};

struct GarbageCollectionResult {
  size_t instancesTerminated = 0;
  size_t claimsDeleted = 0;
  size_t nodesDeleted = 0;
};

// A runtime::Reconciler of the one key "gc". Not thread-safe with itself (one worker).
// References outlive it.
class GarbageCollector final : public runtime::Reconciler {
 public:
  static constexpr const char* kKey = "gc";

  GarbageCollector(LifecycleReader& reader, LifecycleWriter& writer,
                   cloudprovider::CloudProvider& cloud, kube::EventRecorder& events, Clock& clock,
                   GarbageCollectionOptions options = {});

  // One pass: CloudProvider::list() against the cached claims and Nodes. Errors: list()'s
  // (nothing is done then); failures of single deletions are logged and retried on the next
  // pass. REQUIRES: the caches have synced (an empty cache would make every instance an
  // orphan).
  Result<GarbageCollectionResult> collect();

  Result<runtime::Requeue> reconcile(const std::string& key) override;
  std::vector<std::string> resyncKeys() override { return {kKey}; }

 private:
  void collectInstances(const std::vector<cloudprovider::CloudInstance>& instances,
                        Clock::TimePoint now, GarbageCollectionResult& result);
  void collectClaims(const std::vector<cloudprovider::CloudInstance>& instances,
                     Clock::TimePoint now, GarbageCollectionResult& result);
  void collectNodes(const std::vector<cloudprovider::CloudInstance>& instances,
                    Clock::TimePoint now, GarbageCollectionResult& result);

  LifecycleReader& reader_;
  LifecycleWriter& writer_;
  cloudprovider::CloudProvider& cloud_;
  kube::EventRecorder& events_;
  Clock& clock_;
  const GarbageCollectionOptions options_;
  std::map<std::string, Clock::TimePoint> orphanSince_;   // providerID → first seen unclaimed
  std::map<std::string, Clock::TimePoint> missingSince_;  // claim name → first seen w/o instance
  std::map<std::string, Clock::TimePoint> strayNodeSince_;  // Node name → first seen w/o claim
};

// The collector on the skeleton, over the cache (in-cluster wiring).
class GarbageCollectionController final : public Controller {
 public:
  // REQUIRES: `cache` built with gantryResources = true; the lifecycle's indexes added
  // (addLifecycleIndexes) before it starts; every reference outlives the controller.
  GarbageCollectionController(kube::ClusterCache& cache, kube::RestClient& client,
                              cloudprovider::CloudProvider& cloud, kube::EventRecorder& events,
                              Clock& clock, GarbageCollectionOptions options = {},
                              prometheus::Registry* registry = nullptr);
  std::string_view name() const override { return "nodeclaim-gc"; }
  void run(std::stop_token stop) override { controller_.run(stop); }

 private:
  CacheLifecycleReader reader_;
  KubeLifecycleWriter writer_;
  GarbageCollector collector_;
  runtime::QueueController controller_;
};

}  // namespace gantry::provisioner::nodeclaim
