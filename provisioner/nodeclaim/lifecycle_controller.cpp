// The worker loop around LifecycleReconciler. Events only enqueue (informer handlers must be
// quick); every API and cloud call happens on the worker, one claim at a time, so a claim is
// never reconciled twice at once and the reconciler needs no locks.
#include "provisioner/nodeclaim/lifecycle_controller.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <exception>

#include "src/common/logging.h"

namespace gantry::provisioner::nodeclaim {

namespace {
spdlog::logger& log() {
  static auto logger = componentLogger("nodeclaim");
  return *logger;
}
}  // namespace

LifecycleController::LifecycleController(LifecycleReader& reader, LifecycleWriter& writer,
                                         cloudprovider::CloudProvider& cloud,
                                         kube::EventRecorder& events, Clock& clock,
                                         LifecycleControllerOptions options)
    : reader_(reader), clock_(clock), options_(options),
      reconciler_(reader, writer, cloud, events, clock, options.lifecycle),
      gc_(reader, writer, cloud, events, clock, options.gc), queue_(clock) {
  // The first step() resyncs at once; garbage collection waits one interval so the caches
  // (and a provisioner restarting alongside) have settled.
  nextResync_ = clock_.now();
  nextGc_ = clock_.now() + options_.gcInterval;
}

std::unique_ptr<LifecycleController> LifecycleController::forCluster(
    kube::ClusterCache& cache, kube::RestClient& client, cloudprovider::CloudProvider& cloud,
    kube::EventRecorder& events, Clock& clock, LifecycleControllerOptions options) {
  addLifecycleIndexes(cache);
  auto reader = std::make_unique<CacheLifecycleReader>(cache);
  auto writer = std::make_unique<KubeLifecycleWriter>(client);
  auto controller = std::make_unique<LifecycleController>(*reader, *writer, cloud, events, clock,
                                                          options);
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
      .onDelete = [self](const auto& n) { self->enqueueForNode(*n); },
  });
  return controller;
}

void LifecycleController::enqueueForNode(const api::Node& node) {
  if (auto claim = reader_.nodeClaimByProviderId(node.providerId)) enqueue(claim->name);
}

void LifecycleController::run(std::stop_token stop) {
  log().info("starting nodeclaim lifecycle controller");
  while (!stop.stop_requested()) {
    step();
    clock_.sleepFor(options_.tick);
  }
  log().info("stopped nodeclaim lifecycle controller");
}

void LifecycleController::step() {
  const auto now = clock_.now();
  if (now >= nextResync_) {
    for (const auto& c : reader_.nodeClaims()) queue_.add(c->name);
    nextResync_ = now + options_.resyncPeriod;
  }
  if (options_.garbageCollection && now >= nextGc_) {
    nextGc_ = now + options_.gcInterval;
    auto collected = gc_.collect();
    if (!collected) {
      log().warn("cannot collect garbage error={}", collected.error().toString());
    } else if (collected->instancesTerminated + collected->claimsDeleted > 0) {
      log().info("collected garbage instances_terminated={} nodeclaims_deleted={}",
                 collected->instancesTerminated, collected->claimsDeleted);
    }
  }
  for (const auto& name : queue_.takeDue()) reconcileOne(name);
}

void LifecycleController::reconcileOne(const std::string& name) {
  Result<Requeue> result = fail(Status::internal("not run"));
  try {
    result = reconciler_.reconcile(name);
  } catch (const std::exception& e) {
    // A bug (or a JSON type the decoders let through); keep the worker alive and retry.
    result = fail(Status::internal(std::string("reconcile threw: ") + e.what()));
  }
  if (result) {
    failures_.erase(name);
    if (result->has_value()) queue_.addAfter(name, **result);
    return;
  }
  const int n = ++failures_[name];
  auto backoff = options_.initialBackoff * (1LL << std::min(n - 1, 16));
  backoff = std::min<Clock::Duration>(backoff, options_.maxBackoff);
  // A conflict is the cache lagging our own write: expected, and the informer event that
  // follows re-queues the claim anyway.
  if (result.error().isConflict()) {
    log().debug("conflict reconciling nodeclaim name={} error={}", name, result.error().toString());
  } else {
    log().warn("cannot reconcile nodeclaim name={} attempt={} error={}", name, n,
               result.error().toString());
  }
  queue_.addAfter(name, backoff);
}

}  // namespace gantry::provisioner::nodeclaim
