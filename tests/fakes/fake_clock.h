// A Clock for unit tests: time stands still until a test (or a sleepFor call) moves it,
// so tests of expiry, backoff and windows run instantly and deterministically.
#pragma once

#include <chrono>
#include <mutex>
#include <vector>

#include "src/common/clock.h"

namespace gantry {

class FakeClock final : public Clock {
 public:
  // Starts at 2015-08-30T12:36:00Z (the AWS SigV4 test-suite date) unless told otherwise.
  FakeClock()
      : now_(std::chrono::sys_days{std::chrono::year{2015} / 8 / 30} + std::chrono::hours{12} +
             std::chrono::minutes{36}) {}
  explicit FakeClock(TimePoint start) : now_(start) {}

  TimePoint now() const override {
    std::lock_guard lock(mu_);
    return now_;
  }

  // Advances the time by `d` at once and remembers the request.
  void sleepFor(Duration d) override {
    std::lock_guard lock(mu_);
    sleeps_.push_back(d);
    if (d > Duration::zero()) now_ += d;
  }

  void advance(Duration d) {
    std::lock_guard lock(mu_);
    now_ += d;
  }
  void set(TimePoint t) {
    std::lock_guard lock(mu_);
    now_ = t;
  }
  // Every duration passed to sleepFor, in order.
  std::vector<Duration> sleeps() const {
    std::lock_guard lock(mu_);
    return sleeps_;
  }

 private:
  mutable std::mutex mu_;
  TimePoint now_;
  std::vector<Duration> sleeps_;
};

}  // namespace gantry
