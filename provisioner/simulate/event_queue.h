// The engine's timeline: actions at virtual times, run in (time, order queued) order, so two
// things due at one moment always happen in the same order and a run is repeatable.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <queue>
#include <vector>

#include "src/common/clock.h"

namespace gantry::provisioner::simulate {

// Not thread-safe.
class EventQueue {
 public:
  void at(Clock::TimePoint t, std::function<void()> action) {
    queue_.push(Entry{t, next_++, std::move(action)});
  }
  std::optional<Clock::TimePoint> nextTime() const {
    if (queue_.empty()) return std::nullopt;
    return queue_.top().time;
  }
  // Runs every action due at or before `now`, including those they queue for `now`.
  // Returns how many ran.
  size_t runDue(Clock::TimePoint now) {
    size_t ran = 0;
    while (!queue_.empty() && queue_.top().time <= now) {
      // Moved out before running: the action may queue more.
      auto action = std::move(const_cast<Entry&>(queue_.top()).action);
      queue_.pop();
      action();
      ++ran;
    }
    return ran;
  }
  size_t size() const { return queue_.size(); }

 private:
  struct Entry {
    Clock::TimePoint time;
    uint64_t sequence;
    std::function<void()> action;
    // std::priority_queue is a max-heap: "greater" entries come out last.
    bool operator<(const Entry& other) const {
      return time != other.time ? time > other.time : sequence > other.sequence;
    }
  };
  std::priority_queue<Entry> queue_;
  uint64_t next_ = 0;
};

}  // namespace gantry::provisioner::simulate
