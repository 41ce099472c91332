// The order in which a launch tries the offerings its candidates allow, as a pure function so
// that the simulated cloud picks what EC2 would pick for the same request. It follows the
// EC2 provider's planLaunch (cloudprovider/aws/launch_plan.h) without its subnets, which are
// AWS-shaped and have no meaning in the neutral layer.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "src/api/instance_type.h"

namespace gantry::cloudprovider::sim {

struct OfferingSlot {
  size_t candidateIndex = 0;  // into the candidates passed to orderOfferings
  std::string instanceType{};
  std::string zone{};
  api::CapacityType capacityType = api::CapacityType::kOnDemand;
  double pricePerHour = 0;
};

// Whether an offering of a candidate may be tried at all (available, not marked unavailable).
using OfferingFilter = std::function<bool(const api::InstanceType&, const api::Offering&)>;
// The price to order by (the simulated cloud overrides spot prices); default: the offering's.
using OfferingPrice = std::function<double(const api::InstanceType&, const api::Offering&)>;

// Spot when any candidate has a spot offering that passes `usable` (spot is the cheaper market,
// as in Karpenter and the EC2 provider), else on-demand. Then one slot per (type, zone) of that
// capacity type that passes `usable`, cheapest first; equal prices keep the candidates' order
// and, within a type, the offerings' order. An empty result means nothing can be tried.
std::vector<OfferingSlot> orderOfferings(const std::vector<api::InstanceType>& candidates,
                                         const OfferingFilter& usable,
                                         const OfferingPrice& price = {});

}  // namespace gantry::cloudprovider::sim
