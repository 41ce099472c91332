// The EC2NodeClass status controller (Karpenter's nodeclass status controller): asks the
// cloud what each EC2NodeClass resolves to (subnets, security groups, AMIs, instance profile)
// and writes that, with SubnetsReady / SecurityGroupsReady / AMIsReady and the Ready they add
// up to, through the status subresource, so `kubectl get ec2nodeclasses` shows whether a class
// can launch anything and, when not, which selector matched nothing. The per-class work is a
// StatusReconciler (status_reconciler.h); the queue, worker and backoff a QueueController.
#pragma once

#include <prometheus/registry.h>

#include <chrono>
#include <memory>
#include <stop_token>
#include <string>
#include <string_view>

#include "cloudprovider/aws/nodeclass_status_resolver.h"
#include "provisioner/controller.h"
#include "provisioner/nodeclass/nodeclass_access.h"
#include "provisioner/nodeclass/status_reconciler.h"
#include "provisioner/runtime/queue_controller.h"
#include "src/common/clock.h"
#include "src/kube/cluster_cache.h"
#include "src/kube/event_recorder.h"
#include "src/kube/rest_client.h"

namespace gantry::provisioner::nodeclass {

struct StatusControllerOptions {
  // Each class is resolved again this long after its last successful resolution, so a subnet
  // or image that appears or disappears in EC2 shows up in the status.
  Clock::Duration resolvePeriod = std::chrono::minutes(5);
  // After this many consecutive failures to resolve a class at all (the cloud unreachable,
  // throttling or denying us), its Ready says so (reason ResolutionFailed) instead of keeping
  // a status nobody can vouch for; the resolution is still retried with backoff.
  int failuresBeforeNotReady = 3;
  Clock::Duration initialBackoff = std::chrono::seconds(1);  // after a failed resolve or write,
  Clock::Duration maxBackoff = std::chrono::minutes(5);      // doubling per failure
  // forCluster only: manage just the classes a NodePool in the cache names (the controller
  // sets this with --nodepool-selector, so two Gantry instances never write each other's
  // classes). A class is resolved as soon as a pool starts naming it.
  bool onlyReferencedClasses = false;
};

class StatusController final : public Controller {
 public:
  static constexpr std::string_view kName = "nodeclass-status";

  // Over the seams; no informer is hooked (tests call enqueue()/step()). The reconcile
  // metrics go to `registry` when given. References and the registry outlive it.
  StatusController(NodeClassReader& reader, NodeClassStatusWriter& writer,
                   cloudprovider::aws::Ec2NodeClassStatusResolver& cloud, kube::EventRecorder& events, Clock& clock,
                   StatusControllerOptions options = {}, prometheus::Registry* registry = nullptr);

  // The in-cluster wiring: a cache reader, a RestClient writer and the EC2NodeClass informer
  // handlers (a class is resolved as soon as it is added or its spec changes, i.e. its
  // metadata.generation moves). REQUIRES: `cache` was built with gantryResources = true and is
  // not started yet; every reference (and `registry`, when given) outlives the controller.
  static std::unique_ptr<StatusController> forCluster(kube::ClusterCache& cache,
                                                      kube::RestClient& client,
                                                      cloudprovider::aws::Ec2NodeClassStatusResolver& cloud,
                                                      kube::EventRecorder& events, Clock& clock,
                                                      StatusControllerOptions options = {},
                                                      prometheus::Registry* registry = nullptr);

  std::string_view name() const override { return kName; }
  // One worker until `stop`, woken by enqueue(). REQUIRES: the cache has synced.
  void run(std::stop_token stop) override { loop_.run(stop); }

  // One pass for tests: on the first call every known class is queued; then every class due
  // is resolved and, when its status changed, written. Returns how many classes were
  // reconciled. Not to be mixed with run().
  size_t step() { return loop_.step(); }
  // Queues `name` to be resolved now. Thread-safe (informer handlers call it).
  void enqueue(const std::string& name) { loop_.enqueue(name); }

  const runtime::WorkQueue& queue() const { return loop_.queue(); }

 private:
  NodeClassReaderPtr ownedReader_;  // forCluster only
  NodeClassStatusWriterPtr ownedWriter_;
  StatusReconciler reconciler_;
  runtime::QueueController loop_;  // drives reconciler_
};

}  // namespace gantry::provisioner::nodeclass
