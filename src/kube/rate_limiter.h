// Client-side request rate limit (client-go's flowcontrol token bucket): a Gantry controller
// stays a polite apiserver citizen however busy its reconcilers get. Waits on the injected
// Clock, so tests step a FakeClock instead of sleeping.
#pragma once

#include <mutex>

#include "src/common/clock.h"

namespace gantry::kube {

// A token bucket refilled at `qps` tokens a second, holding at most `burst`; it starts full.
// Thread-safe.
class TokenBucket {
 public:
  // qps <= 0 disables limiting. REQUIRES: burst >= 1 when qps > 0; clock outlives this.
  TokenBucket(Clock& clock, double qps, int burst);

  // Takes one token, sleeping on the clock until it is available. Callers are served in
  // call order (each reserves its slot before sleeping).
  void acquire();

  // How long acquire() would sleep right now (zero when a token is available).
  Clock::Duration delay() const;

 private:
  void refillLocked(Clock::TimePoint now) const;

  Clock& clock_;
  const double qps_;
  const double burst_;
  mutable std::mutex mu_;
  mutable double tokens_;             // guarded by mu_; negative when callers are waiting
  mutable Clock::TimePoint last_;     // guarded by mu_
};

}  // namespace gantry::kube
