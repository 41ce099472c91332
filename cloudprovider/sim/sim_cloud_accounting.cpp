// What the simulation host reads back from the simulated cloud between steps: reclaims that
// are due, when the next cloud-side event happens (so a virtual clock can jump to it), and what
// the instances cost. Kept apart from the CloudProvider calls, which the controllers make.
#include <algorithm>

#include "cloudprovider/sim/sim_cloud_provider.h"

namespace gantry::cloudprovider::sim {

std::vector<SpotInterruption> SimCloudProvider::spotEventsBy(
    Clock::TimePoint t, Clock::TimePoint SpotInterruption::*when) const {
  std::lock_guard lock(mu_);
  std::vector<SpotInterruption> out;
  for (const auto& r : records_) {
    if (!r.interruption || (*r.interruption).*when > t) continue;
    // Deleted before the event came: the cloud never gave it.
    if (r.deletedAt && *r.deletedAt <= (*r.interruption).*when) continue;
    out.push_back(*r.interruption);
  }
  std::stable_sort(out.begin(), out.end(),
                   [when](const SpotInterruption& a, const SpotInterruption& b) {
                     return std::tie(a.*when, a.providerId) < std::tie(b.*when, b.providerId);
                   });
  return out;
}

std::vector<SpotInterruption> SimCloudProvider::interruptedBy(Clock::TimePoint t) const {
  return spotEventsBy(t, &SpotInterruption::interruptAt);
}

std::vector<SpotInterruption> SimCloudProvider::noticedBy(Clock::TimePoint t) const {
  return spotEventsBy(t, &SpotInterruption::noticeAt);
}

void SimCloudProvider::markUnavailable(api::CapacityType capacityType,
                                       const std::string& instanceType, const std::string& zone) {
  std::lock_guard lock(mu_);
  unavailableUntil_[{capacityType, instanceType, zone}] =
      clock_.now() + options_.unavailableOfferingsTtl;
}

std::optional<Clock::TimePoint> SimCloudProvider::nextEventAfter(Clock::TimePoint t) const {
  std::lock_guard lock(mu_);
  std::optional<Clock::TimePoint> next;
  auto consider = [&](Clock::TimePoint at, const Record& r) {
    if (at <= t) return;
    if (auto end = r.endsAt(); end && *end < at) return;  // gone before it would happen
    if (!next || at < *next) next = at;
  };
  for (const auto& r : records_) {
    consider(r.runningAt, r);
    if (r.interruption && !(r.deletedAt && *r.deletedAt <= r.interruption->interruptAt)) {
      consider(r.interruption->noticeAt, r);
      consider(r.interruption->interruptAt, r);
    }
  }
  return next;
}

std::vector<InstanceCost> SimCloudProvider::costs(Clock::TimePoint asOf) const {
  std::lock_guard lock(mu_);
  std::vector<InstanceCost> out;
  for (const auto& r : records_) {
    const auto& i = r.instance;
    const Clock::TimePoint launched = i.launchTime.value_or(asOf);
    Clock::TimePoint end = asOf;
    if (auto e = r.endsAt(); e && *e < end) end = *e;
    if (end < launched) end = launched;  // asked about a moment before the launch
    const double hours = std::chrono::duration<double, std::ratio<3600>>(end - launched).count();
    out.push_back({.providerId = i.providerId,
                   .nodeClaimName = i.nodeClaimName,
                   .instanceType = i.instanceType,
                   .zone = i.zone,
                   .capacityType = i.capacityType,
                   .pricePerHour = i.pricePerHour,
                   .fixedCostPerHour = r.fixedCostPerHour,
                   .launchedAt = launched,
                   .endedAt = end,
                   .cost = (i.pricePerHour + r.fixedCostPerHour) * hours});
  }
  return out;
}

double SimCloudProvider::totalCost(Clock::TimePoint asOf) const {
  double total = 0;
  for (const auto& c : costs(asOf)) total += c.cost;
  return total;
}

}  // namespace gantry::cloudprovider::sim
