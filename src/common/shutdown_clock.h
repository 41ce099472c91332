// A Clock for a process that must stop promptly. Retry backoffs, Retry-After waits and
// poll intervals all sleep through the Clock, and some of them are long (a 20 s AWS retry
// delay, a 30 s Retry-After); Kubernetes kills a pod 30 s after SIGTERM. Handing every
// component this decorator instead of the bare clock ends all those waits as soon as
// shutdown begins, without each loop growing a stop flag of its own.
#pragma once

#include <atomic>
#include <chrono>

#include "src/common/clock.h"

namespace gantry {

class ShutdownClock final : public Clock {
 public:
  // Once `stopping` is true a sleep lasts at most this long: long waits end at once, and a
  // loop that polls its own stop flag keeps polling without spinning a core.
  static constexpr std::chrono::milliseconds kStoppingSleep{10};
  // While running, long sleeps are taken in slices of this length so that a sleep already
  // under way notices `stopping` within one slice.
  static constexpr std::chrono::milliseconds kSlice{100};

  // REQUIRES: `base` and `stopping` outlive the clock.
  ShutdownClock(Clock& base, const std::atomic<bool>& stopping) : base_(base), stopping_(stopping) {}

  TimePoint now() const override { return base_.now(); }

  // Like base.sleepFor(d), but returns within about kSlice of `stopping` turning true and
  // sleeps at most kStoppingSleep once it is. Thread-safe.
  void sleepFor(Duration d) override {
    const TimePoint deadline = base_.now() + d;
    for (;;) {
      const Duration left = deadline - base_.now();
      if (left <= Duration::zero()) return;
      if (stopping_.load()) {
        base_.sleepFor(std::min<Duration>(left, kStoppingSleep));
        return;
      }
      base_.sleepFor(std::min<Duration>(left, kSlice));
    }
  }

 private:
  Clock& base_;
  const std::atomic<bool>& stopping_;
};

}  // namespace gantry
