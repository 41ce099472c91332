// A delaying, deduplicating work queue of object keys (client-go's workqueue): informer
// handlers add keys, a controller's workers take the ones that are due. A key queued twice is
// reconciled once, and a key is never handed to two workers at once: one added again while a
// worker holds it waits until that worker calls done(). Workers sleep in waitForWork() and
// are woken by an add, so nothing polls.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <stop_token>
#include <string>
#include <vector>

#include "src/common/clock.h"

namespace gantry::provisioner::runtime {

// Thread-safe. REQUIRES: clock outlives the queue.
class WorkQueue {
 public:
  explicit WorkQueue(Clock& clock) : clock_(clock) {}

  // Due now.
  void add(const std::string& key) { addAt(key, clock_.now()); }
  // Due after `delay`; an earlier due time already queued wins.
  void addAfter(const std::string& key, Clock::Duration delay) { addAt(key, clock_.now() + delay); }
  void addAt(const std::string& key, Clock::TimePoint at);

  // Removes and returns the earliest key due by now that no worker holds, and marks it held
  // until done(key). nullopt when nothing is due.
  std::optional<std::string> take();
  // Releases a key take() returned; if it was added again meanwhile it is due again.
  void done(const std::string& key);

  // Removes and returns every key due by now that no worker holds, earliest first, without
  // holding them (for a single-threaded step()).
  std::vector<std::string> takeDue();

  // Blocks until a key is due, `maxWait` passes or `stop` is requested, whichever is first.
  // The due time is read on the queue's clock; the wait itself is in real time, so with a
  // fake clock callers step() instead.
  void waitForWork(std::stop_token stop, Clock::Duration maxWait);

  // When the earliest key no worker holds is due, or nullopt when there is none.
  std::optional<Clock::TimePoint> nextDue() const;
  size_t size() const;   // queued keys (held ones not counted)
  bool contains(const std::string& key) const;

 private:
  std::optional<Clock::TimePoint> nextDueLocked() const;

  Clock& clock_;
  mutable std::mutex mu_;
  std::condition_variable_any wake_;
  std::map<std::string, Clock::TimePoint> due_;  // guarded by mu_
  std::set<std::string> held_;                   // guarded by mu_
  uint64_t wakeups_ = 0;                         // guarded by mu_; moves on every add
};

}  // namespace gantry::provisioner::runtime
