// The NodeClaim lifecycle Controller: LifecycleReconciler on the shared controller skeleton.
// NodeClaim and Node informer events (a Node is mapped to its claim by providerID) and pod
// bind/leave events (recorded in state::PodEvents for status.lastPodEventTime) queue the claim;
// every claim is re-queued each resync period.
#pragma once

#include <chrono>
#include <memory>
#include <stop_token>
#include <string>
#include <string_view>

#include "cloudprovider/cloud_provider.h"
#include "provisioner/controller.h"
#include "provisioner/metrics.h"
#include "provisioner/nodeclaim/cluster_access.h"
#include "provisioner/nodeclaim/lifecycle_reconciler.h"
#include "provisioner/runtime/queue_controller.h"
#include "src/common/clock.h"
#include "src/kube/cluster_cache.h"
#include "src/kube/event_recorder.h"
#include "src/kube/rest_client.h"

namespace gantry::provisioner::nodeclaim {

struct LifecycleControllerOptions {
  LifecycleOptions lifecycle{};
  // Launches wait on the cloud for seconds; several workers keep one slow launch from
  // holding up the registration of others.
  size_t workers = 4;
  Clock::Duration resyncPeriod = std::chrono::seconds(5);  // every claim re-added this often
  Clock::Duration initialBackoff = std::chrono::milliseconds(250);  // after a failed reconcile,
  Clock::Duration maxBackoff = std::chrono::seconds(30);            // doubling per failure
  prometheus::Registry* registry = nullptr;  // controller skeleton metrics, when set
};

class LifecycleController final : public Controller {
 public:
  // Over the seams; no informer is hooked (tests call enqueue()/step()). References outlive it.
  LifecycleController(LifecycleReader& reader, LifecycleWriter& writer,
                      cloudprovider::CloudProvider& cloud, kube::EventRecorder& events,
                      Clock& clock, LifecycleControllerOptions options = {},
                      LifecycleShared shared = {}, ProvisionerMetrics* metrics = nullptr);

  // The in-cluster wiring: a cache reader and a RestClient writer, the providerID indexes
  // and the informer handlers. REQUIRES: `cache` was built with gantryResources = true and is
  // not started yet; every reference (and shared's pointees) outlives the controller.
  static std::unique_ptr<LifecycleController> forCluster(
      kube::ClusterCache& cache, kube::RestClient& client, cloudprovider::CloudProvider& cloud,
      kube::EventRecorder& events, Clock& clock, LifecycleControllerOptions options = {},
      LifecycleShared shared = {}, ProvisionerMetrics* metrics = nullptr);

  std::string_view name() const override { return "nodeclaim-lifecycle"; }
  // REQUIRES: the cache has synced.
  void run(std::stop_token stop) override { controller_.run(stop); }

  // One single-threaded pass (runtime::QueueController::step). For tests.
  size_t step() { return controller_.step(); }
  // Thread-safe (informer handlers call them).
  void enqueue(const std::string& claimName) { controller_.enqueue(claimName); }
  void enqueueForNode(const api::Node& node);
  // A pod bound to or left `node` at `now` (PodEvents has it): queues the node's claim if the
  // event changes what a pass would store (podEventChangesMarks).
  void podEventOn(const api::Node& node, Clock::TimePoint now);

  const runtime::WorkQueue& queue() const { return controller_.queue(); }

 private:
  std::unique_ptr<LifecycleReader> ownedReader_;  // forCluster only
  std::unique_ptr<LifecycleWriter> ownedWriter_;
  LifecycleReader& reader_;
  LifecycleReconciler reconciler_;
  runtime::QueueController controller_;
};

}  // namespace gantry::provisioner::nodeclaim
