// The worker loop of the usage controller. Events only queue the pool (handlers must be
// quick); the sum is recomputed from the cache on the worker, so a pool's usage is always a
// whole fresh count, never an increment that a missed or doubled event could skew.
#include "provisioner/nodepool/usage_controller.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <exception>

#include "provisioner/nodepool/usage.h"
#include "src/common/logging.h"

namespace gantry::provisioner::nodepool {

namespace {
spdlog::logger& log() {
  static auto logger = componentLogger("nodepool");
  return *logger;
}
}  // namespace

UsageController::UsageController(UsageReader& reader, NodePoolStatusWriter& writer, Clock& clock,
                                 UsageControllerOptions options)
    : reader_(reader), writer_(writer), clock_(clock), options_(options), queue_(clock) {
  nextResync_ = clock_.now();  // the first step() checks every pool
}

std::unique_ptr<UsageController> UsageController::forCluster(kube::ClusterCache& cache,
                                                             kube::RestClient& client, Clock& clock,
                                                             UsageControllerOptions options) {
  addUsageIndexes(cache);
  auto reader = std::make_unique<CacheUsageReader>(cache);
  auto writer = std::make_unique<KubeNodePoolStatusWriter>(client);
  auto controller = std::make_unique<UsageController>(*reader, *writer, clock, options);
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

void UsageController::run(std::stop_token stop) {
  log().info("starting nodepool usage controller");
  while (!stop.stop_requested()) {
    step();
    clock_.sleepFor(options_.tick);
  }
  log().info("stopped nodepool usage controller");
}

void UsageController::step() {
  const auto now = clock_.now();
  if (now >= nextResync_) {
    for (const auto& p : reader_.nodePools()) queue_.add(p->name);
    nextResync_ = now + options_.resyncPeriod;
  }
  for (const auto& name : queue_.takeDue()) reconcileOne(name);
}

void UsageController::reconcileOne(const std::string& name) {
  const auto pool = reader_.nodePool(name);
  if (!pool) {
    lastWrite_.erase(name);
    failures_.erase(name);
    return;
  }
  const api::ResourceList usage = nodePoolUsage(name, reader_.nodeClaimsOf(name));
  if (sameResources(usage, pool->statusResources)) {
    failures_.erase(name);
    return;
  }
  const auto now = clock_.now();
  if (auto last = lastWrite_.find(name); last != lastWrite_.end()) {
    const auto allowed = last->second + options_.minWriteInterval;
    // Debounce: the write waits for the interval, and whatever else changes until then
    // rides along in it (the sum is recomputed when the pool comes due again).
    if (now < allowed) {
      queue_.addAfter(name, allowed - now);
      return;
    }
  }

  Status written = Status::internal("not run");
  try {
    written = writer_.setNodePoolResources(name, usage);
  } catch (const std::exception& e) {
    // A bug (or a JSON type the server should never send); keep the worker alive and retry.
    written = Status::internal(std::string("status write threw: ") + e.what());
  }
  if (written.isOk()) {
    lastWrite_[name] = now;
    failures_.erase(name);
    log().debug("updated nodepool usage nodepool={} nodes={} resources={}", name,
                usage.get(api::resource::kNodes).toString(), usage.toString());
    return;
  }
  if (written.isNotFound()) {  // deleted since the cache looked; its delete event is coming
    lastWrite_.erase(name);
    failures_.erase(name);
    return;
  }
  const int n = ++failures_[name];
  auto backoff = options_.initialBackoff * (1LL << std::min(n - 1, 16));
  backoff = std::min<Clock::Duration>(backoff, options_.maxBackoff);
  // A conflict is another status write (the provisioner's LimitReached condition) landing
  // between our read and write: expected; the retry reads again.
  if (written.isConflict()) {
    log().debug("conflict updating nodepool usage nodepool={} error={}", name, written.toString());
  } else {
    log().warn("cannot update nodepool usage nodepool={} attempt={} error={}", name, n,
               written.toString());
  }
  queue_.addAfter(name, backoff);
}

}  // namespace gantry::provisioner::nodepool
