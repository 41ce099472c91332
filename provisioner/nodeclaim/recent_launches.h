// Instances the launch step created whose Launched status the informer cache may not show yet.
// Recording a launch is two writes (labels, then status), and each brings an informer event: a
// pass over the copy between them sees a claim without Launched and would ask the cloud again.
// The cloud finds the instance by its tag, so nothing is launched twice, but it is a second
// CreateFleet/DescribeInstances round trip per node; with this memory the pass records the
// known instance again instead. Thread-safe: lifecycle workers share it.
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "cloudprovider/cloud_provider.h"
#include "src/api/instance_type.h"
#include "src/common/clock.h"

namespace gantry::provisioner::nodeclaim {

struct RecentLaunch {
  cloudprovider::CloudInstance instance;
  std::vector<api::InstanceType> types;  // the launched type, for its labels and allocatable
};

class RecentLaunches {
 public:
  // Remembers `launch` for the claim with `uid` launched at `now`; entries older than the
  // memory span go at the same time (a claim deleted before its status landed).
  void remember(const std::string& uid, RecentLaunch launch, Clock::TimePoint now);
  // The launch remembered for `uid`, if it is younger than the memory span at `now`.
  std::optional<RecentLaunch> find(const std::string& uid, Clock::TimePoint now) const;
  // The cache shows the claim launched (or it is gone): the memory is no longer needed.
  void forget(const std::string& uid);

  // Long enough for any informer lag, short enough that a stale entry cannot outlive a
  // restart of the claim's story (a deletion and a new claim get a new uid anyway).
  static constexpr Clock::Duration kSpan = std::chrono::minutes(2);

 private:
  struct Entry {
    RecentLaunch launch;
    Clock::TimePoint at;
  };
  mutable std::mutex mu_;
  std::map<std::string, Entry> byUid_;  // guarded by mu_
};

}  // namespace gantry::provisioner::nodeclaim
