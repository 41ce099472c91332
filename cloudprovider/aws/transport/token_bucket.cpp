// Reservation-style bucket: tokens may go negative, and the debt is what a caller sleeps
// off, so concurrent callers queue fairly without a condition variable.
#include "cloudprovider/aws/transport/token_bucket.h"

#include <algorithm>
#include <chrono>

namespace gantry::cloudprovider::aws {

TokenBucket::TokenBucket(Clock& clock, double capacity, double refillPerSecond)
    : clock_(clock),
      capacity_(capacity),
      refillPerSecond_(refillPerSecond),
      tokens_(capacity),
      lastRefill_(clock.now()) {}

void TokenBucket::refillLocked() {
  const Clock::TimePoint now = clock_.now();
  if (now <= lastRefill_) return;
  const double seconds = std::chrono::duration<double>(now - lastRefill_).count();
  tokens_ = std::min(capacity_, tokens_ + seconds * refillPerSecond_);
  lastRefill_ = now;
}

void TokenBucket::acquire() {
  Clock::Duration wait{};
  {
    std::lock_guard lock(mu_);
    refillLocked();
    tokens_ -= 1;
    if (tokens_ >= 0) return;
    wait = std::chrono::duration_cast<Clock::Duration>(
        std::chrono::duration<double>(-tokens_ / refillPerSecond_));
  }
  clock_.sleepFor(wait);
}

bool TokenBucket::tryAcquire() {
  std::lock_guard lock(mu_);
  refillLocked();
  if (tokens_ < 1) return false;
  tokens_ -= 1;
  return true;
}

double TokenBucket::available() {
  std::lock_guard lock(mu_);
  refillLocked();
  return tokens_;
}

}  // namespace gantry::cloudprovider::aws
