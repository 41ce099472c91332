// The usage controller's wiring: a UsageReconciler on a one-worker QueueController, and the
// informer handlers that queue a pool. Handlers only queue (they must be quick); the sum is
// computed on the worker.
#include "provisioner/nodepool/usage_controller.h"

namespace gantry::provisioner::nodepool {

UsageController::UsageController(UsageReader& reader, NodePoolStatusWriter& writer, Clock& clock,
                                 UsageControllerOptions options, prometheus::Registry* registry)
    : reconciler_(reader, writer, clock, options.minWriteInterval),
      loop_(reconciler_, clock,
            {.name = std::string(kName),
             .workers = 1,
             .resyncPeriod = options.resyncPeriod,
             .resyncAtStart = true,  // the first pass checks every pool
             .initialBackoff = options.initialBackoff,
             .maxBackoff = options.maxBackoff,
             .registry = registry}) {}

std::unique_ptr<UsageController> UsageController::forCluster(kube::ClusterCache& cache,
                                                             kube::RestClient& client, Clock& clock,
                                                             UsageControllerOptions options,
                                                             prometheus::Registry* registry) {
  addUsageIndexes(cache);
  auto reader = std::make_unique<CacheUsageReader>(cache);
  auto writer = std::make_unique<KubeNodePoolStatusWriter>(client);
  auto controller =
      std::make_unique<UsageController>(*reader, *writer, clock, options, registry);
  controller->ownedReader_ = std::move(reader);
  controller->ownedWriter_ = std::move(writer);
  UsageController* self = controller.get();
  cache.nodeClaims().addHandlers({
      .onAdd = [self](const auto& c) { self->enqueue(c->nodePool()); },
      .onUpdate =
          [self](const auto& before, const auto& after) {
            // A relabelled claim leaves one pool and joins another: both sums change.
            self->enqueue(before->nodePool());
            self->enqueue(after->nodePool());
          },
      .onDelete = [self](const auto& c) { self->enqueue(c->nodePool()); },
  });
  cache.nodePools().addHandlers({
      .onAdd = [self](const auto& p) { self->enqueue(p->name); },
      // Also our own status writes: the check that follows finds nothing to do.
      .onUpdate = [self](const auto&, const auto& p) { self->enqueue(p->name); },
      .onDelete = {},  // gone: nothing to write
  });
  return controller;
}

}  // namespace gantry::provisioner::nodepool
