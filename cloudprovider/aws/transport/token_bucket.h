// A client-side token bucket in front of a service's calls (today EC2's mutating calls), so
// a burst of launches or terminations spends our own budget before it spends the account's
// (EC2 throttles per account and action, and a throttled RunInstances slows every
// controller sharing it). SignedTransport takes a token before every attempt it sends.
#pragma once

#include <mutex>

#include "src/common/clock.h"

namespace gantry::cloudprovider::aws {

class TokenBucket {
 public:
  // Starts full. REQUIRES: capacity >= 1, refillPerSecond > 0. `clock` outlives the bucket.
  TokenBucket(Clock& clock, double capacity, double refillPerSecond);

  // Takes one token, waiting through clock.sleepFor() until it is due. Waiters are served
  // in arrival order: each reserves its token before sleeping. Thread-safe.
  void acquire();

  // Takes a token if one is available now. Thread-safe.
  bool tryAcquire();

  // Tokens available now (negative while waiters hold reservations). For tests and metrics.
  double available();

 private:
  void refillLocked();

  Clock& clock_;
  const double capacity_;
  const double refillPerSecond_;
  std::mutex mu_;
  double tokens_;                // guarded by mu_
  Clock::TimePoint lastRefill_;  // guarded by mu_
};

}  // namespace gantry::cloudprovider::aws
