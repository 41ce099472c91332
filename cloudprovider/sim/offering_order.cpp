// Ties are broken by input order (stable sort) so that two runs of a simulation, and the
// simulation and the controller, agree on the pick whatever the standard library's sort does.
#include "cloudprovider/sim/offering_order.h"

#include <algorithm>

namespace gantry::cloudprovider::sim {

std::vector<OfferingSlot> orderOfferings(const std::vector<api::InstanceType>& candidates,
                                         const OfferingFilter& usable, const OfferingPrice& price) {
  bool anySpot = false;
  for (const auto& type : candidates) {
    for (const auto& o : type.offerings) {
      if (o.capacityType == api::CapacityType::kSpot && usable(type, o)) anySpot = true;
    }
  }
  const auto capacityType = anySpot ? api::CapacityType::kSpot : api::CapacityType::kOnDemand;
  std::vector<OfferingSlot> slots;
  for (size_t i = 0; i < candidates.size(); ++i) {
    const auto& type = candidates[i];
    for (const auto& o : type.offerings) {
      if (o.capacityType != capacityType || !usable(type, o)) continue;
      const bool duplicate = std::any_of(slots.begin(), slots.end(), [&](const OfferingSlot& s) {
        return s.instanceType == type.name && s.zone == o.zone;
      });
      if (duplicate) continue;
      slots.push_back({.candidateIndex = i,
                       .instanceType = type.name,
                       .zone = o.zone,
                       .capacityType = capacityType,
                       .pricePerHour = price ? price(type, o) : o.pricePerHour});
    }
  }
  std::stable_sort(slots.begin(), slots.end(), [](const OfferingSlot& a, const OfferingSlot& b) {
    return a.pricePerHour < b.pricePerHour;
  });
  return slots;
}

}  // namespace gantry::cloudprovider::sim
