// The NodePool usage Controller: keeps each pool's status.resources (Karpenter v1's layout:
// the capacity of its NodeClaims summed, plus "nodes") current, so users see how close a
// pool is to its limits (`kubectl get nodepools`). NodeClaim and NodePool informer events
// queue the pool; a UsageReconciler (usage_reconciler.h) recomputes its usage from the cache
// and writes it through the status subresource only when it differs from what the pool shows,
// at most once per pool per minWriteInterval, so a burst of launches costs one write a second,
// not one per claim. The queue, worker, backoff and resync are a runtime::QueueController.
#pragma once

#include <prometheus/registry.h>

#include <chrono>
#include <memory>
#include <stop_token>
#include <string>
#include <string_view>

#include "provisioner/controller.h"
#include "provisioner/nodepool/status_access.h"
#include "provisioner/nodepool/usage_reconciler.h"
#include "provisioner/runtime/queue_controller.h"
#include "src/common/clock.h"
#include "src/kube/cluster_cache.h"
#include "src/kube/rest_client.h"

namespace gantry::provisioner::nodepool {

struct UsageControllerOptions {
  Clock::Duration minWriteInterval = std::chrono::seconds(1);  // per pool
  Clock::Duration resyncPeriod = std::chrono::seconds(10);     // every pool re-checked this often
  Clock::Duration initialBackoff = std::chrono::milliseconds(250);  // after a failed write,
  Clock::Duration maxBackoff = std::chrono::seconds(30);            // doubling per failure
};

class UsageController final : public Controller {
 public:
  static constexpr std::string_view kName = "nodepool-usage";

  // Over the seams; no informer is hooked (tests call enqueue()/step()). The reconcile
  // metrics go to `registry` when given. References and the registry outlive it.
  UsageController(UsageReader& reader, NodePoolStatusWriter& writer, Clock& clock,
                  UsageControllerOptions options = {}, prometheus::Registry* registry = nullptr);

  // The in-cluster wiring: the cache reader with its index, the status-subresource writer
  // and the informer handlers. REQUIRES: `cache` was built with gantryResources = true and is
  // not started yet; every reference (and `registry`, when given) outlives the controller.
  static std::unique_ptr<UsageController> forCluster(kube::ClusterCache& cache,
                                                     kube::RestClient& client, Clock& clock,
                                                     UsageControllerOptions options = {},
                                                     prometheus::Registry* registry = nullptr);

  std::string_view name() const override { return kName; }
  // One worker until `stop`, woken by enqueue(). REQUIRES: the cache has synced.
  void run(std::stop_token stop) override { loop_.run(stop); }

  // One pass for tests: every pool queued when the resync is due (also on the first call),
  // then every due pool reconciled. Returns how many were. Not to be mixed with run().
  size_t step() { return loop_.step(); }
  // Queues pool `name` ("" is ignored: a claim without the label). Thread-safe (informer
  // handlers call it).
  void enqueue(const std::string& name) {
    if (!name.empty()) loop_.enqueue(name);
  }

  const runtime::WorkQueue& queue() const { return loop_.queue(); }

 private:
  UsageReaderPtr ownedReader_;  // forCluster only
  NodePoolStatusWriterPtr ownedWriter_;
  UsageReconciler reconciler_;
  runtime::QueueController loop_;  // drives reconciler_
};

}  // namespace gantry::provisioner::nodepool
