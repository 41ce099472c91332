// Which pools (instance type x zone/subnet x capacity type) one launch offers EC2, as a pure
// function of the candidates, the discovered subnets and the unavailable-offerings cache, so
// override building is tested without any EC2 at all.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "cloudprovider/aws/ec2/ec2_types.h"
#include "cloudprovider/aws/unavailable_offerings.h"
#include "src/api/instance_type.h"

namespace gantry::cloudprovider::aws {

struct LaunchPool {
  std::string instanceType{};
  std::string zone{};
  std::string subnetId{};
  double pricePerHour = 0;
  size_t candidateIndex = 0;  // into the candidates passed to planLaunch
  std::string imageId{};      // filled in by the caller
};

struct LaunchPlan {
  api::CapacityType capacityType = api::CapacityType::kOnDemand;
  std::vector<LaunchPool> pools{};  // cheapest first; ties keep the candidates' order
};

struct LaunchPlanOptions {
  size_t maxPools = 60;
  // Groups: only this zone (empty: any).
  std::string zone{};
  // Groups: only the pools in the zone of the cheapest pool.
  bool singleZone = false;
};

// Spot when any candidate allows spot in a zone with a subnet and the offering is not
// marked unavailable (spot is the cheaper market, as in Karpenter), else on-demand. Pools of
// that capacity type, one per (type, zone) with the subnet of most free addresses in the zone,
// skipping unavailable offerings and offerings with available=false, at most maxPools.
// An empty plan means nothing can be tried.
LaunchPlan planLaunch(const std::vector<api::InstanceType>& candidates,
                      const std::vector<Subnet>& subnets, const UnavailableOfferings& unavailable,
                      const LaunchPlanOptions& options = {});

}  // namespace gantry::cloudprovider::aws
