// The one controller skeleton every queue-driven controller runs on (Karpenter's
// controller-runtime, kept small): a WorkQueue fed by informer handlers, N workers that take
// due keys and call Reconciler::reconcile, per-key exponential backoff on errors, a requeue
// when the reconciler asks for one, a periodic resync of every key, an exception guard, stop
// handling and metrics. A controller supplies only its Reconciler and its informer handlers.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <stop_token>
#include <string>
#include <string_view>

#include "provisioner/controller.h"
#include "provisioner/runtime/reconciler.h"
#include "provisioner/runtime/work_queue.h"
#include "src/common/clock.h"

namespace gantry::provisioner::runtime {

struct QueueControllerOptions {
  std::string name;  // REQUIRED: logs, metrics and Controller::name()
  size_t workers = 1;
  // Every resyncKeys() key is queued this often; zero turns the resync off.
  Clock::Duration resyncPeriod = Clock::Duration::zero();
  // Queue resyncKeys() when run() starts (and on the first step()), whatever resyncPeriod is.
  bool resyncAtStart = true;
  Clock::Duration initialBackoff = std::chrono::milliseconds(250);  // after a failed reconcile,
  Clock::Duration maxBackoff = std::chrono::seconds(30);            // doubling per failure
  // Longest a worker sleeps without an add; bounds how late a resync can be noticed.
  Clock::Duration maxIdle = std::chrono::seconds(1);
  // Optional: gantry_controller_* series are registered here, labelled controller=name.
  prometheus::Registry* registry = nullptr;
};

class QueueController final : public Controller {
 public:
  // REQUIRES: reconciler, clock and options.registry (when set) outlive the controller.
  QueueController(Reconciler& reconciler, Clock& clock, QueueControllerOptions options);

  std::string_view name() const override { return options_.name; }

  // Runs options.workers workers (the calling thread is one of them) until `stop`; each
  // sleeps until a key is due or added. Returns once every worker has finished its current
  // reconcile. REQUIRES: the caches the reconciler reads have synced.
  void run(std::stop_token stop) override;

  // One single-threaded pass for tests and virtual-clock hosts: the resync when due, then
  // every key due now reconciled once, earliest first. Returns how many were reconciled.
  // Not to be mixed with run() on another thread.
  size_t step();

  // Thread-safe; informer handlers call them.
  void enqueue(const std::string& key) { queue_.add(key); }
  void enqueueAfter(const std::string& key, Clock::Duration delay) { queue_.addAfter(key, delay); }

  const WorkQueue& queue() const { return queue_; }
  // When step() next has something to do (the earliest due key or the resync), if anything.
  std::optional<Clock::TimePoint> nextWake() const;
  // Consecutive failures of `key` so far (0 after a success). Thread-safe.
  int failures(const std::string& key) const;

 private:
  void resyncIfDue();
  void process(const std::string& key);
  void worker(std::stop_token stop);

  Reconciler& reconciler_;
  Clock& clock_;
  const QueueControllerOptions options_;
  WorkQueue queue_;
  mutable std::mutex mu_;
  std::map<std::string, int> failures_;  // guarded by mu_
  bool resynced_ = false;                // guarded by mu_
  Clock::TimePoint nextResync_{};        // guarded by mu_
  // Metrics (null without a registry).
  prometheus::Counter* succeeded_ = nullptr;
  prometheus::Counter* failed_ = nullptr;
  prometheus::Histogram* duration_ = nullptr;
  prometheus::Gauge* depth_ = nullptr;
};

using QueueControllerPtr = std::unique_ptr<QueueController>;

}  // namespace gantry::provisioner::runtime
