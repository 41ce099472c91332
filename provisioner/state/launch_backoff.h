// Launch failures, remembered per (NodePool, EC2NodeClass), shared by the NodeClaim lifecycle
// (which launches and reports the outcome) and the provisioner (which skips a pair while it
// backs off). Without it a class that can never launch (an AMI alias that resolves to
// nothing, a missing instance profile) turns into a hot loop: a claim created, failed and
// deleted every batch window, each with its Warning Events. Capacity errors are not recorded
// here: they mark the offering unavailable instead and re-plan at once.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

#include "src/common/clock.h"

namespace gantry::provisioner::state {

struct LaunchBackoffOptions {
  Clock::Duration initial = std::chrono::seconds(10);  // after the first failure,
  Clock::Duration max = std::chrono::minutes(5);       // doubling per consecutive failure
};

// Why a pair is not launched now, and until when.
struct LaunchHold {
  Clock::TimePoint until;
  int failures = 0;
  std::string error;  // the last launch error
};

// Thread-safe.
class LaunchBackoff {
 public:
  explicit LaunchBackoff(LaunchBackoffOptions options = {}) : options_(options) {}

  // A launch for the pair failed with `error` at `now`: holds it for initial * 2^(n-1),
  // at most max, n counting consecutive failures. Returns the hold.
  LaunchHold recordFailure(const std::string& nodePool, const std::string& nodeClass,
                           const std::string& error, Clock::TimePoint now);
  // A launch for the pair succeeded: the failure count starts again.
  void recordSuccess(const std::string& nodePool, const std::string& nodeClass);
  // The hold on the pair at `now`, or nullopt when it may launch.
  std::optional<LaunchHold> held(const std::string& nodePool, const std::string& nodeClass,
                                 Clock::TimePoint now) const;

 private:
  using Key = std::pair<std::string, std::string>;
  const LaunchBackoffOptions options_;
  mutable std::mutex mu_;
  std::map<Key, LaunchHold> holds_;  // guarded by mu_
};

}  // namespace gantry::provisioner::state
