// The unavailable-offerings cache (Karpenter's cache.UnavailableOfferings): an offering
// (capacity type x instance type x zone) that just failed with a capacity error is skipped
// for a while, so the next launch tries another pool and the planner sees it unavailable.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <tuple>

#include "src/api/instance_type.h"
#include "src/common/clock.h"

namespace gantry::cloudprovider::aws {

// Thread-safe. Time comes from the injected Clock (which must outlive the cache); entries
// expire `ttl` after their last mark.
class UnavailableOfferings {
 public:
  explicit UnavailableOfferings(Clock& clock, Clock::Duration ttl = std::chrono::minutes(3));

  // Marks the offering unavailable until now + ttl (extends an existing mark). `reason` is
  // kept for logs and error messages (e.g. "InsufficientInstanceCapacity").
  void mark(api::CapacityType capacityType, std::string_view instanceType, std::string_view zone,
            std::string_view reason);

  // True while a mark has not expired.
  bool isUnavailable(api::CapacityType capacityType, std::string_view instanceType,
                     std::string_view zone) const;

  // A copy of `types` with every marked offering set available=false.
  api::InstanceTypes apply(const api::InstanceTypes& types) const;

  // Unexpired marks (expired ones are dropped first).
  size_t size() const;

  // Forgets every mark.
  void clear();

 private:
  using Key = std::tuple<api::CapacityType, std::string, std::string>;
  struct Entry {
    Clock::TimePoint expires;
    std::string reason;
  };
  void dropExpiredLocked(Clock::TimePoint now) const;

  Clock& clock_;
  Clock::Duration ttl_;
  mutable std::mutex mu_;
  mutable std::map<Key, Entry, std::less<>> entries_;  // guarded by mu_
};

// True for the EC2 error codes that mean "this pool has no room for us right now"
// (InsufficientInstanceCapacity, MaxSpotInstanceCountExceeded, VcpuLimitExceeded,
// UnfulfillableCapacity, Unsupported, InsufficientFreeAddressesInSubnet, ...).
bool isCapacityErrorCode(std::string_view code);

// The first capacity error code named in a Status message ("EC2 RunInstances:
// InsufficientInstanceCapacity: ..."), or "" when there is none.
std::string capacityErrorCodeIn(std::string_view message);

}  // namespace gantry::cloudprovider::aws
