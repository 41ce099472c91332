// Full jitter spreads a burst of clients retrying after the same throttling event across
// the whole window instead of synchronising them on the same exponential steps.
#include "cloudprovider/aws/transport/retry.h"

#include <algorithm>
#include <mutex>
#include <random>

namespace gantry::cloudprovider::aws {

RandomSource defaultRandomSource() {
  struct Shared {
    std::mutex mu;
    std::mt19937_64 engine{std::random_device{}()};
    std::uniform_real_distribution<double> dist{0.0, 1.0};
  };
  static Shared* shared = new Shared();  // never destroyed: usable during static teardown
  return [] {
    std::lock_guard lock(shared->mu);
    return shared->dist(shared->engine);
  };
}

Clock::Duration fullJitterDelay(const RetryOptions& options, int retry, bool throttled,
                                double uniform01) {
  const Clock::Duration base = throttled ? options.throttledBaseDelay : options.baseDelay;
  Clock::Duration ceiling = base;
  for (int i = 1; i < retry && ceiling < options.maxDelay; ++i) ceiling *= 2;
  ceiling = std::min(ceiling, options.maxDelay);
  const double u = std::clamp(uniform01, 0.0, 1.0);
  return std::chrono::duration_cast<Clock::Duration>(ceiling * u);
}

}  // namespace gantry::cloudprovider::aws
