// Pending pods arrive one by one, but the solver packs best (and EC2 is called least) when
// it sees them together: a Katib experiment creates its trials within a second. The batcher
// (Karpenter's batcher) opens a window at the first trigger and closes it when no new pod
// triggered it for `idle`, or `max` after it opened, whichever is first. A pod the scheduler
// has not judged yet can open a window early (expect()): its own trigger comes tens of
// milliseconds later, when the scheduler marks it Unschedulable, and then the window is
// already running, so pod creation to launch is the window plus the pass, not plus the
// scheduler's verdict as well.
#pragma once

#include <atomic>
#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include "src/common/clock.h"

namespace gantry::provisioner {

struct BatcherOptions {
  std::chrono::milliseconds idle{1000};
  std::chrono::milliseconds max{10000};
};

// One closed window: the keys that triggered it (first-seen order, no repeats; none when
// only expectations opened it).
struct Batch {
  std::vector<std::string> keys;
  Clock::TimePoint opened{};
  Clock::TimePoint closed{};
};

// Thread-safe: trigger() from informer handlers, wait()/poll() from the provisioning loop.
class Batcher {
 public:
  // REQUIRES: clock outlives the batcher; 0 < idle <= max.
  Batcher(Clock& clock, BatcherOptions options = {});

  // Records that `key` needs capacity; opens a window if none is open, and (re)starts the
  // idle timer unless `key` already triggered or was expected in this window (a pod's
  // repeated updates do not hold a window open).
  void trigger(const std::string& key);

  // Records that `key` may need capacity soon (a new pod not yet judged by the scheduler):
  // opens a window if none is open; never extends an open one. A window only expectations
  // opened closes with no keys.
  void expect(const std::string& key);

  // The batch if the open window has closed by now; nullopt while it is open or none is.
  std::optional<Batch> poll();

  // Blocks (sleeping on the clock in short steps) until a window closes or `stop` turns
  // true; nullopt on stop.
  std::optional<Batch> wait(const std::atomic<bool>& stop);

  // When the open window will close if nothing else arrives; nullopt when none is open.
  std::optional<Clock::TimePoint> deadline() const;

 private:
  std::optional<Clock::TimePoint> deadlineLocked() const;

  Clock& clock_;
  const BatcherOptions options_;
  mutable std::mutex mu_;
  std::vector<std::string> keys_;          // guarded by mu_
  std::unordered_set<std::string> seen_;   // guarded by mu_
  std::unordered_set<std::string> expected_;  // guarded by mu_
  std::optional<Clock::TimePoint> opened_; // guarded by mu_
  Clock::TimePoint lastTrigger_{};         // guarded by mu_
};

}  // namespace gantry::provisioner
