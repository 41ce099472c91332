// Pools are ordered by price because EC2's lowest-price strategy orders them the same way and
// because the 60-override cap must drop the most expensive pools, not arbitrary ones.
#include "cloudprovider/aws/launch_plan.h"

#include <algorithm>
#include <map>

namespace gantry::cloudprovider::aws {

namespace {

std::map<std::string, const Subnet*> subnetByZone(const std::vector<Subnet>& subnets) {
  std::map<std::string, const Subnet*> byZone;
  for (const auto& s : subnets) {
    auto& best = byZone[s.availabilityZone];
    if (best == nullptr || s.availableIpAddressCount > best->availableIpAddressCount) best = &s;
  }
  return byZone;
}

bool usable(const api::InstanceType& type, const api::Offering& offering,
            const std::map<std::string, const Subnet*>& byZone,
            const UnavailableOfferings& unavailable, const std::string& zone) {
  return offering.available && byZone.contains(offering.zone) &&
         (zone.empty() || offering.zone == zone) &&
         !unavailable.isUnavailable(offering.capacityType, type.name, offering.zone);
}

}  // namespace

LaunchPlan planLaunch(const std::vector<api::InstanceType>& candidates,
                      const std::vector<Subnet>& subnets, const UnavailableOfferings& unavailable,
                      const LaunchPlanOptions& options) {
  const auto byZone = subnetByZone(subnets);
  LaunchPlan plan;
  bool anySpot = false;
  for (const auto& type : candidates) {
    for (const auto& o : type.offerings) {
      if (o.capacityType == api::CapacityType::kSpot &&
          usable(type, o, byZone, unavailable, options.zone)) {
        anySpot = true;
      }
    }
  }
  plan.capacityType = anySpot ? api::CapacityType::kSpot : api::CapacityType::kOnDemand;
  for (size_t i = 0; i < candidates.size(); ++i) {
    const auto& type = candidates[i];
    for (const auto& o : type.offerings) {
      if (o.capacityType != plan.capacityType) continue;
      if (!usable(type, o, byZone, unavailable, options.zone)) continue;
      const bool duplicate = std::any_of(plan.pools.begin(), plan.pools.end(), [&](const auto& p) {
        return p.instanceType == type.name && p.zone == o.zone;
      });
      if (duplicate) continue;
      plan.pools.push_back({.instanceType = type.name,
                            .zone = o.zone,
                            .subnetId = byZone.at(o.zone)->subnetId,
                            .pricePerHour = o.pricePerHour,
                            .candidateIndex = i});
    }
  }
  std::stable_sort(plan.pools.begin(), plan.pools.end(),
                   [](const LaunchPool& a, const LaunchPool& b) {
                     return a.pricePerHour < b.pricePerHour;
                   });
  if (options.singleZone && !plan.pools.empty()) {
    const std::string zone = plan.pools.front().zone;
    std::erase_if(plan.pools, [&](const LaunchPool& p) { return p.zone != zone; });
  }
  if (plan.pools.size() > options.maxPools) plan.pools.resize(options.maxPools);
  return plan;
}

}  // namespace gantry::cloudprovider::aws
