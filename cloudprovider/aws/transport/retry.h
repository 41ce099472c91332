// Retry policy for AWS calls: bounded attempts with exponential backoff and full jitter
// (AWS Architecture Blog, "Exponential Backoff And Jitter"). Randomness is injected so tests
// can pin the delays, and waits go through Clock::sleepFor so tests never sleep.
#pragma once

#include <chrono>
#include <functional>

#include "src/common/clock.h"

namespace gantry::cloudprovider::aws {

struct RetryOptions {
  int maxAttempts = 5;  // including the first; 1 disables retries
  Clock::Duration baseDelay = std::chrono::milliseconds(200);
  Clock::Duration maxDelay = std::chrono::seconds(20);
  // Throttling backs off from a larger base: the bucket behind it refills slowly.
  Clock::Duration throttledBaseDelay = std::chrono::milliseconds(1000);
};

// Returns a number uniformly distributed in [0, 1). Must be thread-safe.
using RandomSource = std::function<double()>;

// A process-wide, mutex-guarded Mersenne Twister seeded from std::random_device.
RandomSource defaultRandomSource();

// The wait before retry number `retry` (1 for the first retry): a uniform draw from
// [0, min(maxDelay, base * 2^(retry-1))), base being throttledBaseDelay when throttled.
Clock::Duration fullJitterDelay(const RetryOptions& options, int retry, bool throttled,
                                double uniform01);

}  // namespace gantry::cloudprovider::aws
