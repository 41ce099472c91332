// The NodeClaim lifecycle Controller: NodeClaim and Node informer events (a Node is mapped to
// its claim by providerID) feed a work queue keyed by claim name; one worker runs
// LifecycleReconciler on what is due, requeues with the delay it asks for, backs off on
// errors, re-adds every claim each resync period and runs garbage collection now and then.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <stop_token>
#include <string>
#include <string_view>

#include "cloudprovider/cloud_provider.h"
#include "provisioner/controller.h"
#include "provisioner/nodeclaim/cluster_access.h"
#include "provisioner/nodeclaim/garbage_collector.h"
#include "provisioner/nodeclaim/lifecycle_reconciler.h"
#include "provisioner/nodeclaim/work_queue.h"
#include "src/common/clock.h"
#include "src/kube/cluster_cache.h"
#include "src/kube/event_recorder.h"
#include "src/kube/rest_client.h"

namespace gantry::provisioner::nodeclaim {

struct LifecycleControllerOptions {
  LifecycleOptions lifecycle{};
  GarbageCollectionOptions gc{};
  bool garbageCollection = true;
  Clock::Duration gcInterval = std::chrono::seconds(30);
  Clock::Duration resyncPeriod = std::chrono::seconds(5);  // every claim re-added this often
  Clock::Duration tick = std::chrono::milliseconds(100);   // worker idle sleep; bounds latency
  Clock::Duration initialBackoff = std::chrono::milliseconds(250);  // after a failed reconcile,
  Clock::Duration maxBackoff = std::chrono::seconds(30);            // doubling per failure
};

class LifecycleController final : public Controller {
 public:
  // Over the seams; no informer is hooked (tests call enqueue()/step()). References outlive it.
  LifecycleController(LifecycleReader& reader, LifecycleWriter& writer,
                      cloudprovider::CloudProvider& cloud, kube::EventRecorder& events,
                      Clock& clock, LifecycleControllerOptions options = {});

  // The in-cluster wiring: a cache reader and a RestClient writer, the providerID indexes
  // and the informer handlers. REQUIRES: `cache` was built with gantryResources = true and is
  // not started yet; every reference outlives the controller.
  static std::unique_ptr<LifecycleController> forCluster(
      kube::ClusterCache& cache, kube::RestClient& client, cloudprovider::CloudProvider& cloud,
      kube::EventRecorder& events, Clock& clock, LifecycleControllerOptions options = {});

  std::string_view name() const override { return "nodeclaim-lifecycle"; }
  // Loops step() + a tick of sleep until `stop`. REQUIRES: the cache has synced.
  void run(std::stop_token stop) override;

  // One pass: the resync and garbage collection when due, then every due claim reconciled.
  // Not thread-safe with itself (one worker).
  void step();
  // Thread-safe (informer handlers call them).
  void enqueue(const std::string& claimName) { queue_.add(claimName); }
  void enqueueForNode(const api::Node& node);

  const WorkQueue& queue() const { return queue_; }

 private:
  void reconcileOne(const std::string& name);

  std::unique_ptr<LifecycleReader> ownedReader_;  // forCluster only
  std::unique_ptr<LifecycleWriter> ownedWriter_;
  LifecycleReader& reader_;
  Clock& clock_;
  const LifecycleControllerOptions options_;
  LifecycleReconciler reconciler_;
  GarbageCollector gc_;
  WorkQueue queue_;
  // Worker thread only.
  std::map<std::string, int> failures_;  // consecutive failed reconciles per claim
  Clock::TimePoint nextResync_{};
  Clock::TimePoint nextGc_{};
};

}  // namespace gantry::provisioner::nodeclaim
