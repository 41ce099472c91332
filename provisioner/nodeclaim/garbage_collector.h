// Garbage collection (Karpenter's nodeclaim/garbagecollection): what the lifecycle loop cannot
// see by itself. An instance this cluster launched that no NodeClaim knows (a crash between
// launch and status write, a claim force-deleted) is terminated; a launched NodeClaim whose
// instance is gone (terminated behind our back, spot-reclaimed) is deleted, so its pods are
// planned again. Both only after a grace period, so a launch racing the cache is left alone.
#pragma once

#include <chrono>
#include <map>
#include <string>

#include "cloudprovider/cloud_provider.h"
#include "provisioner/nodeclaim/cluster_access.h"
#include "src/common/clock.h"
#include "src/common/status.h"
#include "src/kube/event_recorder.h"

namespace gantry::provisioner::nodeclaim {

struct GarbageCollectionOptions {
  // An orphan instance must be this old (by launch time, else since we first saw it) and a
  // claim's instance missing this long before anything is done.
  Clock::Duration gracePeriod = std::chrono::minutes(1);
};

struct GarbageCollectionResult {
  size_t instancesTerminated = 0;
  size_t claimsDeleted = 0;
};

// Not thread-safe: one collect() at a time (the controller's worker). References outlive it.
class GarbageCollector {
 public:
  GarbageCollector(LifecycleReader& reader, LifecycleWriter& writer,
                   cloudprovider::CloudProvider& cloud, kube::EventRecorder& events, Clock& clock,
                   GarbageCollectionOptions options = {});

  // One pass: CloudProvider::list() against the cached claims. Errors: list()'s (nothing is
  // done then); failures of single deletions are logged and retried on the next pass.
  // REQUIRES: the claim cache has synced (an empty cache would make every instance an orphan).
  Result<GarbageCollectionResult> collect();

 private:
  LifecycleReader& reader_;
  LifecycleWriter& writer_;
  cloudprovider::CloudProvider& cloud_;
  kube::EventRecorder& events_;
  Clock& clock_;
  const GarbageCollectionOptions options_;
  std::map<std::string, Clock::TimePoint> orphanSince_;   // providerID → first seen unclaimed
  std::map<std::string, Clock::TimePoint> missingSince_;  // claim name → first seen w/o instance
};

}  // namespace gantry::provisioner::nodeclaim
