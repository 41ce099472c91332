// The clock of `gantry simulate`: time stands still while the controllers run a step and moves
// only when the engine jumps it to the next event, so 24 simulated hours cost what their
// events cost, not 24 hours. Nothing may wait on it: every controller the engine drives is
// stepped (step()/nextWake()), never run() on a thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>

#include "src/common/clock.h"

namespace gantry::provisioner::simulate {

// Thread-safe, though the engine uses it from one thread.
class VirtualClock final : public Clock {
 public:
  explicit VirtualClock(TimePoint start) : now_(start) {}

  TimePoint now() const override {
    std::lock_guard lock(mu_);
    return now_;
  }

  // Never blocks and never moves time: a sleeping caller would otherwise reorder the events
  // the engine has queued. Counted, so a test can show that no controller slept.
  void sleepFor(Duration) override { sleeps_.fetch_add(1, std::memory_order_relaxed); }
  uint64_t sleeps() const { return sleeps_.load(std::memory_order_relaxed); }

  // Jumps to `t`. REQUIRES: t >= now() (time never runs backwards; earlier is ignored).
  void advanceTo(TimePoint t) {
    std::lock_guard lock(mu_);
    if (t > now_) now_ = t;
  }

 private:
  mutable std::mutex mu_;
  TimePoint now_;  // guarded by mu_
  std::atomic<uint64_t> sleeps_{0};
};

}  // namespace gantry::provisioner::simulate
