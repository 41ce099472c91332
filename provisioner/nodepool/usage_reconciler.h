// The reconcile of the NodePool usage controller (a runtime::Reconciler): one pool's
// status.resources recomputed from the cache and written when it differs from what the pool
// shows, at most once per pool per minWriteInterval. The queue, workers, backoff and resync
// around it are runtime::QueueController's (usage_controller.h).
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "provisioner/nodepool/status_access.h"
#include "provisioner/runtime/reconciler.h"
#include "src/common/clock.h"

namespace gantry::provisioner::nodepool {

class UsageReconciler final : public runtime::Reconciler {
 public:
  // REQUIRES: reader, writer and clock outlive it.
  UsageReconciler(UsageReader& reader, NodePoolStatusWriter& writer, Clock& clock,
                  Clock::Duration minWriteInterval)
      : reader_(reader), writer_(writer), clock_(clock), minWriteInterval_(minWriteInterval) {}

  // Sums the claims of pool `key` and writes the sum when the pool shows something else.
  // Returns a requeue when the write must wait for minWriteInterval since the pool's last
  // write (what changes meanwhile rides along in that one write), the writer's error when the
  // write fails (a conflict included: the retry reads again), and nothing to requeue when the
  // pool is in step or gone.
  Result<runtime::Requeue> reconcile(const std::string& key) override;
  // Every pool the cache holds.
  std::vector<std::string> resyncKeys() override;

 private:
  UsageReader& reader_;
  NodePoolStatusWriter& writer_;
  Clock& clock_;
  const Clock::Duration minWriteInterval_;
  std::mutex mu_;
  std::map<std::string, Clock::TimePoint> lastWrite_;  // guarded by mu_; successful writes
};

}  // namespace gantry::provisioner::nodepool
