// What a queue-driven controller supplies (Karpenter's reconcile.Reconciler): one reconcile
// of one key. Everything else (queue, workers, backoff, resync, stop, metrics) is
// QueueController's.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "src/common/clock.h"
#include "src/common/status.h"

namespace gantry::provisioner::runtime {

// When to look at a key again after a successful reconcile: nullopt = only when it is added
// again (an informer event or the periodic resync).
using Requeue = std::optional<Clock::Duration>;

class Reconciler {
 public:
  virtual ~Reconciler() = default;

  // Moves the object named `key` towards what it should be. Idempotent: a repeat with
  // nothing changed writes nothing. An error is retried with per-key exponential backoff;
  // an exception is treated as an error (a bug: logged, retried). Never called for one key
  // on two threads at once; different keys may run concurrently when the controller has
  // several workers, so shared state needs its own lock.
  virtual Result<Requeue> reconcile(const std::string& key) = 0;

  // The keys the periodic resync re-queues (every object, typically read from the cache).
  // Called on a worker thread. The default is none: a controller driven by events alone.
  virtual std::vector<std::string> resyncKeys() { return {}; }
};

}  // namespace gantry::provisioner::runtime
