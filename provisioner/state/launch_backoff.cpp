// The backoff ledger. A pair whose hold ran out keeps its count, so a class that fails again
// right after its hold waits twice as long; only a success resets it.
#include "provisioner/state/launch_backoff.h"

#include <algorithm>

namespace gantry::provisioner::state {

LaunchHold LaunchBackoff::recordFailure(const std::string& nodePool, const std::string& nodeClass,
                                        const std::string& error, Clock::TimePoint now) {
  std::lock_guard lock(mu_);
  LaunchHold& hold = holds_[{nodePool, nodeClass}];
  hold.failures = std::min(hold.failures + 1, 30);
  auto wait = options_.initial * (1LL << std::min(hold.failures - 1, 20));
  hold.until = now + std::min<Clock::Duration>(wait, options_.max);
  hold.error = error;
  return hold;
}

void LaunchBackoff::recordSuccess(const std::string& nodePool, const std::string& nodeClass) {
  std::lock_guard lock(mu_);
  holds_.erase({nodePool, nodeClass});
}

std::optional<LaunchHold> LaunchBackoff::held(const std::string& nodePool,
                                              const std::string& nodeClass,
                                              Clock::TimePoint now) const {
  std::lock_guard lock(mu_);
  auto it = holds_.find({nodePool, nodeClass});
  if (it == holds_.end() || now >= it->second.until) return std::nullopt;
  return it->second;
}

}  // namespace gantry::provisioner::state
