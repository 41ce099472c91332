// The NodePool usage Controller: keeps each pool's status.resources (Karpenter v1's layout:
// the capacity of its NodeClaims summed, plus "nodes") current, so users see how close a
// pool is to its limits (`kubectl get nodepools`). NodeClaim and NodePool informer events
// queue the pool; one worker recomputes its usage from the cache and writes it through the
// status subresource only when it differs from what the pool shows, at most once per pool
// per minWriteInterval, so a burst of launches costs one write a second, not one per claim.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <stop_token>
#include <string>
#include <string_view>

#include "provisioner/controller.h"
#include "provisioner/nodeclaim/work_queue.h"
#include "provisioner/nodepool/status_access.h"
#include "src/common/clock.h"
#include "src/kube/cluster_cache.h"
#include "src/kube/rest_client.h"

namespace gantry::provisioner::nodepool {

struct UsageControllerOptions {
  Clock::Duration minWriteInterval = std::chrono::seconds(1);  // per pool
  Clock::Duration resyncPeriod = std::chrono::seconds(10);     // every pool re-checked this often
  Clock::Duration tick = std::chrono::milliseconds(100);       // worker idle sleep; bounds latency
  Clock::Duration initialBackoff = std::chrono::milliseconds(250);  // after a failed write,
  Clock::Duration maxBackoff = std::chrono::seconds(30);            // doubling per failure
};

class UsageController final : public Controller {
 public:
  // Over the seams; no informer is hooked (tests call enqueue()/step()). References outlive it.
  UsageController(UsageReader& reader, NodePoolStatusWriter& writer, Clock& clock,
                  UsageControllerOptions options = {});

  // The in-cluster wiring: the cache reader with its index, the status-subresource writer
  // and the informer handlers. REQUIRES: `cache` was built with gantryResources = true and is
  // not started yet; every reference outlives the controller.
  static std::unique_ptr<UsageController> forCluster(kube::ClusterCache& cache,
                                                     kube::RestClient& client, Clock& clock,
                                                     UsageControllerOptions options = {});

  std::string_view name() const override { return "nodepool-usage"; }
  // Loops step() + a tick of sleep until `stop`. REQUIRES: the cache has synced.
  void run(std::stop_token stop) override;

  // One pass: every pool queued when the resync is due, then every due pool reconciled.
  // Not thread-safe with itself (one worker).
  void step();
  // Queues pool `name` ("" is ignored). Thread-safe (informer handlers call it).
  void enqueue(const std::string& name) {
    if (!name.empty()) queue_.add(name);
  }

  const nodeclaim::WorkQueue& queue() const { return queue_; }

 private:
  void reconcileOne(const std::string& name);

  UsageReaderPtr ownedReader_;  // forCluster only
  NodePoolStatusWriterPtr ownedWriter_;
  UsageReader& reader_;
  NodePoolStatusWriter& writer_;
  Clock& clock_;
  const UsageControllerOptions options_;
  nodeclaim::WorkQueue queue_;
  // Worker thread only.
  std::map<std::string, Clock::TimePoint> lastWrite_;  // per pool, successful writes
  std::map<std::string, int> failures_;                // consecutive failed writes per pool
  Clock::TimePoint nextResync_{};
};

}  // namespace gantry::provisioner::nodepool
