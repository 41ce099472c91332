// A delaying, deduplicating work queue of object names (client-go's workqueue, minus rate
// limiting, which callers do with addAfter): informer handlers add names, the controller's
// worker takes the ones that are due. A name queued twice is reconciled once.
#pragma once

#include <map>
#include <optional>
#include <mutex>
#include <string>
#include <vector>

#include "src/common/clock.h"

namespace gantry::provisioner::nodeclaim {

// Thread-safe. REQUIRES: clock outlives the queue.
class WorkQueue {
 public:
  explicit WorkQueue(Clock& clock) : clock_(clock) {}

  // Due now.
  void add(const std::string& key) { addAt(key, clock_.now()); }
  // Due after `delay`; an earlier due time already queued wins.
  void addAfter(const std::string& key, Clock::Duration delay) { addAt(key, clock_.now() + delay); }

  // Removes and returns every key due by now, earliest first.
  std::vector<std::string> takeDue();
  // When the earliest key is due, or nullopt when empty.
  std::optional<Clock::TimePoint> nextDue() const;
  size_t size() const;

 private:
  void addAt(const std::string& key, Clock::TimePoint at);

  Clock& clock_;
  mutable std::mutex mu_;
  std::map<std::string, Clock::TimePoint> due_;  // guarded by mu_
};

}  // namespace gantry::provisioner::nodeclaim
