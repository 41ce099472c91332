// The time seam (Karpenter's clock.Clock, Envoy's TimeSource): everything that reads the
// time or waits (credential expiry, signing dates, backoff, batch windows, TTLs) takes a
// Clock& so unit tests can step a FakeClock (tests/fakes/fake_clock.h) and never sleep.
#pragma once

#include <chrono>
#include <thread>

namespace gantry {

class Clock {
 public:
  using TimePoint = std::chrono::system_clock::time_point;
  using Duration = std::chrono::system_clock::duration;

  virtual ~Clock() = default;

  // Wall-clock now. Thread-safe.
  virtual TimePoint now() const = 0;

  // Blocks the calling thread for `d` (a fake clock advances its time instead).
  // Thread-safe; a non-positive duration returns at once.
  virtual void sleepFor(Duration d) = 0;
};

// The system clock; stateless, so one instance may be shared by every thread.
class RealClock final : public Clock {
 public:
  TimePoint now() const override { return std::chrono::system_clock::now(); }
  void sleepFor(Duration d) override {
    if (d > Duration::zero()) std::this_thread::sleep_for(d);
  }
};

}  // namespace gantry
