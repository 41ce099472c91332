// The lifecycle's wiring: informer events only enqueue (handlers must be quick); every API and
// cloud call happens on the skeleton's workers.
#include "provisioner/nodeclaim/lifecycle_controller.h"

#include "provisioner/nodeclaim/disruption_marks.h"
#include "src/api/nodeclaim.h"

namespace gantry::provisioner::nodeclaim {

namespace {

// Pods whose coming and going says nothing about the node's work: they run on every node.
bool countsAsPodEvent(const api::Pod& pod) {
  return !pod.nodeName.empty() && pod.owner.kind != "DaemonSet" &&
         !pod.annotations.contains("kubernetes.io/config.mirror");
}

}  // namespace

LifecycleController::LifecycleController(LifecycleReader& reader, LifecycleWriter& writer,
                                         cloudprovider::CloudProvider& cloud,
                                         kube::EventRecorder& events, Clock& clock,
                                         LifecycleControllerOptions options,
                                         LifecycleShared shared, ProvisionerMetrics* metrics)
    : reader_(reader),
      reconciler_(reader, writer, cloud, events, clock, options.lifecycle, std::move(shared),
                  metrics),
      controller_(reconciler_, clock,
                  {.name = "nodeclaim-lifecycle",
                   .workers = options.workers,
                   .resyncPeriod = options.resyncPeriod,
                   .initialBackoff = options.initialBackoff,
                   .maxBackoff = options.maxBackoff,
                   .registry = options.registry}) {}

std::unique_ptr<LifecycleController> LifecycleController::forCluster(
    kube::ClusterCache& cache, kube::RestClient& client, cloudprovider::CloudProvider& cloud,
    kube::EventRecorder& events, Clock& clock, LifecycleControllerOptions options,
    LifecycleShared shared, ProvisionerMetrics* metrics) {
  addLifecycleIndexes(cache);
  auto reader = std::make_unique<CacheLifecycleReader>(cache);
  auto writer = std::make_unique<KubeLifecycleWriter>(client);
  state::PodEvents* podEvents = shared.podEvents;
  auto controller = std::make_unique<LifecycleController>(*reader, *writer, cloud, events, clock,
                                                          std::move(options), std::move(shared),
                                                          metrics);
  controller->ownedReader_ = std::move(reader);
  controller->ownedWriter_ = std::move(writer);
  LifecycleController* self = controller.get();
  cache.nodeClaims().addHandlers({
      .onAdd = [self](const auto& c) { self->enqueue(c->name); },
      .onUpdate = [self](const auto&, const auto& c) { self->enqueue(c->name); },
      .onDelete = {},  // gone: nothing left to do
  });
  cache.nodes().addHandlers({
      .onAdd = [self](const auto& n) { self->enqueueForNode(*n); },
      .onUpdate = [self](const auto&, const auto& n) { self->enqueueForNode(*n); },
      .onDelete =
          [self, podEvents](const auto& n) {
            self->enqueueForNode(*n);
            if (podEvents) podEvents->forget(n->name);
          },
  });
  if (podEvents == nullptr) return controller;
  // A pod event on a node: it bound there, or it left (finished, or deleted while running).
  // The informer's initial list replays history, so only events after the sync count.
  kube::PodInformer& pods = cache.pods();
  auto touched = [self, podEvents, &cache, &clock](const std::string& nodeName) {
    const auto now = clock.now();
    podEvents->record(nodeName, now);
    if (auto node = cache.nodes().store().get(nodeName)) self->podEventOn(*node, now);
  };
  pods.addHandlers({
      .onAdd =
          [&pods, touched](const auto& p) {
            if (pods.hasSynced() && countsAsPodEvent(*p) && !p->finished()) touched(p->nodeName);
          },
      .onUpdate =
          [touched](const auto& before, const auto& after) {
            if (!countsAsPodEvent(*after)) return;
            const bool bound = before->nodeName.empty();
            const bool finished = !before->finished() && after->finished();
            if (bound || finished) touched(after->nodeName);
          },
      .onDelete =
          [touched](const auto& p) {
            if (countsAsPodEvent(*p) && !p->finished()) touched(p->nodeName);
          },
  });
  return controller;
}

void LifecycleController::enqueueForNode(const api::Node& node) {
  if (auto claim = reader_.nodeClaimByProviderId(node.providerId)) enqueue(claim->name);
}

void LifecycleController::podEventOn(const api::Node& node, Clock::TimePoint now) {
  auto claim = reader_.nodeClaimByProviderId(node.providerId);
  if (claim && podEventChangesMarks(*claim, now)) enqueue(claim->name);
}

}  // namespace gantry::provisioner::nodeclaim
