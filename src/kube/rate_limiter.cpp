// Token bucket with reservations: a caller takes its token at once (driving the count
// negative if need be) and then sleeps for the deficit, so waiters queue fairly.
#include "src/kube/rate_limiter.h"

#include <algorithm>
#include <chrono>

namespace gantry::kube {

TokenBucket::TokenBucket(Clock& clock, double qps, int burst)
    : clock_(clock), qps_(qps), burst_(std::max(1, burst)), tokens_(burst_), last_(clock.now()) {}

void TokenBucket::refillLocked(Clock::TimePoint now) const {
  if (now <= last_) return;
  const double elapsed = std::chrono::duration<double>(now - last_).count();
  tokens_ = std::min(burst_, tokens_ + elapsed * qps_);
  last_ = now;
}

void TokenBucket::acquire() {
  if (qps_ <= 0) return;
  Clock::Duration wait{};
  {
    std::lock_guard lock(mu_);
    refillLocked(clock_.now());
    tokens_ -= 1;
    if (tokens_ < 0) {
      wait = std::chrono::duration_cast<Clock::Duration>(std::chrono::duration<double>(-tokens_ / qps_));
    }
  }
  clock_.sleepFor(wait);
}

Clock::Duration TokenBucket::delay() const {
  if (qps_ <= 0) return Clock::Duration::zero();
  std::lock_guard lock(mu_);
  refillLocked(clock_.now());
  if (tokens_ >= 1) return Clock::Duration::zero();
  return std::chrono::duration_cast<Clock::Duration>(std::chrono::duration<double>((1 - tokens_) / qps_));
}

}  // namespace gantry::kube
