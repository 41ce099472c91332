// The worker loop shared by every queue-driven controller. Workers take one key at a time
// (the queue never hands a key to two workers), so a reconciler needs locks only for state
// shared across keys. Backoff is per key: one failing object never slows the others.
#include "provisioner/runtime/queue_controller.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <exception>
#include <thread>
#include <vector>

#include "src/common/logging.h"

namespace gantry::provisioner::runtime {

namespace {

spdlog::logger& log() {
  static auto logger = componentLogger("controller");
  return *logger;
}

double seconds(Clock::Duration d) { return std::chrono::duration<double>(d).count(); }

}  // namespace

QueueController::QueueController(Reconciler& reconciler, Clock& clock,
                                 QueueControllerOptions options)
    : reconciler_(reconciler), clock_(clock), options_(std::move(options)), queue_(clock) {
  if (options_.registry == nullptr) return;
  prometheus::Registry& r = *options_.registry;
  auto& total = prometheus::BuildCounter()
                    .Name("gantry_controller_reconcile_total")
                    .Help("Reconciles by controller and result (success or error).")
                    .Register(r);
  succeeded_ = &total.Add({{"controller", options_.name}, {"result", "success"}});
  failed_ = &total.Add({{"controller", options_.name}, {"result", "error"}});
  duration_ = &prometheus::BuildHistogram()
                   .Name("gantry_controller_reconcile_duration_seconds")
                   .Help("Time one reconcile took, by controller.")
                   .Register(r)
                   .Add({{"controller", options_.name}},
                        prometheus::Histogram::BucketBoundaries{0.001, 0.005, 0.01, 0.05, 0.1,
                                                                0.5, 1, 5, 30});
  depth_ = &prometheus::BuildGauge()
                .Name("gantry_controller_queue_depth")
                .Help("Keys waiting in a controller's work queue.")
                .Register(r)
                .Add({{"controller", options_.name}});
}

void QueueController::run(std::stop_token stop) {
  log().info("starting controller controller={} workers={}", options_.name, options_.workers);
  std::vector<std::jthread> extra;
  for (size_t i = 1; i < std::max<size_t>(options_.workers, 1); ++i) {
    extra.emplace_back([this, stop] { worker(stop); });
  }
  worker(stop);
  extra.clear();  // joins
  log().info("stopped controller controller={}", options_.name);
}

void QueueController::worker(std::stop_token stop) {
  while (!stop.stop_requested()) {
    resyncIfDue();
    if (auto key = queue_.take()) {
      process(*key);
      queue_.done(*key);
      continue;
    }
    Clock::Duration wait = options_.maxIdle;
    {
      std::lock_guard lock(mu_);
      if (options_.resyncPeriod > Clock::Duration::zero()) {
        wait = std::min(wait, nextResync_ - clock_.now());
      }
    }
    queue_.waitForWork(stop, wait);
  }
}

size_t QueueController::step() {
  resyncIfDue();
  size_t n = 0;
  for (const auto& key : queue_.takeDue()) {
    process(key);
    ++n;
  }
  return n;
}

void QueueController::resyncIfDue() {
  const auto now = clock_.now();
  {
    std::lock_guard lock(mu_);
    const bool first = !resynced_ && options_.resyncAtStart;
    const bool periodic = options_.resyncPeriod > Clock::Duration::zero() && now >= nextResync_;
    if (!first && !periodic) return;
    resynced_ = true;
    if (options_.resyncPeriod > Clock::Duration::zero()) nextResync_ = now + options_.resyncPeriod;
  }
  std::vector<std::string> keys;
  try {
    keys = reconciler_.resyncKeys();
  } catch (const std::exception& e) {
    log().error("cannot list keys to resync controller={} error={}", options_.name, e.what());
  }
  for (const auto& key : keys) queue_.add(key);
}

void QueueController::process(const std::string& key) {
  const auto started = clock_.now();
  Result<Requeue> result = fail(Status::internal("not run"));
  try {
    result = reconciler_.reconcile(key);
  } catch (const std::exception& e) {
    // A bug (or input the decoders let through); keep the worker alive and retry later.
    result = fail(Status::internal(std::string("reconcile threw: ") + e.what()));
  }
  if (duration_) duration_->Observe(seconds(clock_.now() - started));
  if (depth_) depth_->Set(static_cast<double>(queue_.size()));
  if (result) {
    if (succeeded_) succeeded_->Increment();
    {
      std::lock_guard lock(mu_);
      failures_.erase(key);
    }
    if (result->has_value()) queue_.addAfter(key, **result);
    return;
  }
  if (failed_) failed_->Increment();
  int n = 0;
  {
    std::lock_guard lock(mu_);
    n = ++failures_[key];
  }
  auto backoff = options_.initialBackoff * (1LL << std::min(n - 1, 20));
  backoff = std::min<Clock::Duration>(backoff, options_.maxBackoff);
  // A conflict is the cache lagging our own write: expected, and the informer event that
  // follows re-queues the key anyway.
  if (result.error().isConflict()) {
    log().debug("conflict reconciling controller={} key={} error={}", options_.name, key,
                result.error().toString());
  } else {
    log().warn("cannot reconcile controller={} key={} attempt={} retry_in_ms={} error={}",
               options_.name, key, n,
               std::chrono::duration_cast<std::chrono::milliseconds>(backoff).count(),
               result.error().toString());
  }
  queue_.addAfter(key, backoff);
}

std::optional<Clock::TimePoint> QueueController::nextWake() const {
  auto next = queue_.nextDue();
  std::lock_guard lock(mu_);
  if (options_.resyncPeriod > Clock::Duration::zero() || (!resynced_ && options_.resyncAtStart)) {
    const auto resync = resynced_ ? nextResync_ : clock_.now();
    if (!next || resync < *next) next = resync;
  }
  return next;
}

int QueueController::failures(const std::string& key) const {
  std::lock_guard lock(mu_);
  auto it = failures_.find(key);
  return it == failures_.end() ? 0 : it->second;
}

}  // namespace gantry::provisioner::runtime
