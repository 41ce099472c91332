// The small amount of behaviour InstanceType and CapacityType (src/api/instance_type.h) carry:
// capacity-type names as Kubernetes labels spell them, per-offering node labels, and the
// cheapest available price. It sits with the catalogs that fill InstanceType; if code outside
// cloudprovider (binpack) starts calling these, move this file to src/api so that the core
// library stays self-contained.
#include "src/api/instance_type.h"

#include <cctype>
#include <string>

#include "src/api/well_known_labels.h"

namespace gantry::api {
namespace {

constexpr std::string_view kOnDemandName = "on-demand";
constexpr std::string_view kSpotName = "spot";

// "us-east-1a" -> "us-east-1"; "us-east-1-bos-1a" (a Local Zone) -> "us-east-1"; "us-gov-west-1b"
// -> "us-gov-west-1". A region name ends at the first run of digits; every zone name starts with
// its region's name, so the region is the zone up to the end of that run.
std::string regionOfZone(std::string_view zone) {
  size_t i = 0;
  while (i < zone.size() && !std::isdigit(static_cast<unsigned char>(zone[i]))) ++i;
  while (i < zone.size() && std::isdigit(static_cast<unsigned char>(zone[i]))) ++i;
  return std::string(zone.substr(0, i));
}

}  // namespace

std::string_view capacityTypeName(CapacityType type) {
  switch (type) {
    case CapacityType::kOnDemand: return kOnDemandName;
    case CapacityType::kSpot: return kSpotName;
  }
  return kOnDemandName;  // unreachable: every enumerator is handled above
}

Result<CapacityType> parseCapacityType(std::string_view text) {
  if (text == kOnDemandName) return CapacityType::kOnDemand;
  if (text == kSpotName) return CapacityType::kSpot;
  return fail(Status::invalid("unknown capacity type \"" + std::string(text) +
                              "\"; expected \"on-demand\" or \"spot\""));
}

Labels InstanceType::labelsFor(const Offering& offering) const {
  Labels out = labels;
  const std::string capacityType(capacityTypeName(offering.capacityType));
  out.insert_or_assign(std::string(label::kZone), offering.zone);
  out.insert_or_assign(std::string(label::kRegion), regionOfZone(offering.zone));
  out.insert_or_assign(std::string(label::kCapacityType), capacityType);
  out.insert_or_assign(std::string(label::kKarpenterCapacityType), capacityType);
  return out;
}

std::optional<double> InstanceType::cheapestPrice() const {
  std::optional<double> cheapest;
  for (const Offering& offering : offerings) {
    if (!offering.available) continue;
    if (!cheapest || offering.pricePerHour < *cheapest) cheapest = offering.pricePerHour;
  }
  return cheapest;
}

}  // namespace gantry::api
