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
    uint32_t slot;
    if (freeSlots_.empty()) {
      slot = static_cast<uint32_t>(actions_.size());
      actions_.push_back(std::move(action));
    } else {
      slot = freeSlots_.back();
      freeSlots_.pop_back();
      actions_[slot] = std::move(action);
    }
    queue_.push(Entry{t, next_++, slot});
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
      const uint32_t slot = queue_.top().slot;
      queue_.pop();
      // Moved out before running: the action may queue more (and reuse its slot).
      auto action = std::move(actions_[slot]);
      actions_[slot] = nullptr;
      freeSlots_.push_back(slot);
      action();
      ++ran;
    }
    return ran;
  }
  size_t size() const { return queue_.size(); }

 private:
  // The heap holds small entries; the actions stay put in slots (a day queues hundreds of
  // thousands, and moving std::function objects through every sift was 6% of a run).
  struct Entry {
    Clock::TimePoint time;
    uint64_t sequence;
    uint32_t slot;
    // std::priority_queue is a max-heap: "greater" entries come out last.
    bool operator<(const Entry& other) const {
      return time != other.time ? time > other.time : sequence > other.sequence;
    }
  };
  std::priority_queue<Entry> queue_;
  std::vector<std::function<void()>> actions_;
  std::vector<uint32_t> freeSlots_;
  uint64_t next_ = 0;
};

}  // namespace gantry::provisioner::simulate
