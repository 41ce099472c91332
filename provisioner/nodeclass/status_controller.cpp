// The status controller's wiring: a StatusReconciler on a one-worker QueueController (one
// class at a time, so cloud calls never pile up), and the informer handlers that queue a class.
#include "provisioner/nodeclass/status_controller.h"

namespace gantry::provisioner::nodeclass {

StatusController::StatusController(NodeClassReader& reader, NodeClassStatusWriter& writer,
                                   cloudprovider::aws::Ec2NodeClassStatusResolver& cloud,
                                   kube::EventRecorder& events, Clock& clock,
                                   StatusControllerOptions options,
                                   prometheus::Registry* registry)
    : reconciler_(reader, writer, cloud, events, clock, options.resolvePeriod,
                  options.failuresBeforeNotReady),
      loop_(reconciler_, clock,
            {.name = std::string(kName),
             .workers = 1,
             // No periodic resync: each class requeues itself after resolvePeriod.
             .resyncPeriod = Clock::Duration::zero(),
             .resyncAtStart = true,
             .initialBackoff = options.initialBackoff,
             .maxBackoff = options.maxBackoff,
             .registry = registry}) {}

std::unique_ptr<StatusController> StatusController::forCluster(
    kube::ClusterCache& cache, kube::RestClient& client, cloudprovider::aws::Ec2NodeClassStatusResolver& cloud,
    kube::EventRecorder& events, Clock& clock, StatusControllerOptions options,
    prometheus::Registry* registry) {
  auto reader = std::make_unique<CacheNodeClassReader>(cache, options.onlyReferencedClasses);
  auto writer = std::make_unique<KubeNodeClassStatusWriter>(client);
  auto controller = std::make_unique<StatusController>(*reader, *writer, cloud, events, clock,
                                                       options, registry);
  controller->ownedReader_ = std::move(reader);
  controller->ownedWriter_ = std::move(writer);
  StatusController* self = controller.get();
  cache.ec2NodeClasses().addHandlers({
      .onAdd = [self](const auto& c) { self->enqueue(c->name); },
      // Our own status writes come back as updates with the same generation: not a reason to
      // ask the cloud again.
      .onUpdate =
          [self](const auto& before, const auto& after) {
            if (before->generation != after->generation) self->enqueue(after->name);
          },
      .onDelete = {},
  });
  if (options.onlyReferencedClasses) {
    // A class becomes ours when a selected pool starts naming it.
    cache.nodePools().addHandlers({
        .onAdd =
            [self](const auto& p) {
              if (!p->nodeClassRef.empty()) self->enqueue(p->nodeClassRef);
            },
        .onUpdate =
            [self](const auto& before, const auto& after) {
              if (before->nodeClassRef != after->nodeClassRef && !after->nodeClassRef.empty()) {
                self->enqueue(after->nodeClassRef);
              }
            },
        .onDelete = {},
    });
  }
  return controller;
}

}  // namespace gantry::provisioner::nodeclass
