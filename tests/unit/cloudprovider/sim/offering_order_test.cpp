// The simulated cloud picks what EC2 would: for candidates from the bundled catalog, with a
// subnet in every zone, orderOfferings lists the same pools in the same order as the EC2
// provider's planLaunch. If planLaunch's rule changes, this fails until the sim follows.
#include "cloudprovider/sim/offering_order.h"

#include <gtest/gtest.h>

#include "cloudprovider/aws/launch_plan.h"
#include "cloudprovider/catalog/bundled_catalog.h"
#include "tests/fakes/fake_clock.h"

namespace gantry::cloudprovider::sim {
namespace {

using api::CapacityType;

std::vector<std::string> simOrder(const std::vector<api::InstanceType>& candidates) {
  std::vector<std::string> out;
  for (const auto& s :
       orderOfferings(candidates, [](const auto&, const auto& o) { return o.available; })) {
    out.push_back(s.instanceType + "/" + s.zone + "/" +
                  std::string(api::capacityTypeName(s.capacityType)));
  }
  return out;
}

std::vector<std::string> ec2Order(const std::vector<api::InstanceType>& candidates) {
  std::vector<aws::Subnet> subnets;
  for (const auto& t : candidates) {
    for (const auto& o : t.offerings) {
      subnets.push_back({.subnetId = "subnet-" + o.zone,
                         .availabilityZone = o.zone,
                         .availableIpAddressCount = 100});
    }
  }
  FakeClock clock;
  aws::UnavailableOfferings none(clock);
  const auto plan = aws::planLaunch(candidates, subnets, none, {.maxPools = 10000});
  std::vector<std::string> out;
  for (const auto& p : plan.pools) {
    out.push_back(p.instanceType + "/" + p.zone + "/" +
                  std::string(api::capacityTypeName(plan.capacityType)));
  }
  return out;
}

// The named types of the bundled us-east-1 catalog, their offerings cut to `capacityType`.
std::vector<api::InstanceType> candidates(const std::vector<std::string>& names,
                                          std::optional<CapacityType> capacityType = {}) {
  auto catalog = bundledInstanceTypes("us-east-1");
  EXPECT_TRUE(catalog.has_value());
  std::vector<api::InstanceType> out;
  for (const auto& name : names) {
    for (auto t : **catalog) {
      if (t.name != name) continue;
      if (capacityType)
        std::erase_if(t.offerings, [&](const auto& o) { return o.capacityType != *capacityType; });
      out.push_back(std::move(t));
    }
  }
  EXPECT_EQ(out.size(), names.size());
  return out;
}

TEST(OfferingOrderTest, MatchesTheEc2ProvidersPlanForBundledTypes) {
  const std::vector<std::string> gpu = {"g5.xlarge", "g4dn.xlarge", "g6.xlarge", "g5.2xlarge"};
  const std::vector<std::string> cpu = {"m5.large", "c5.large", "m6i.large", "r5.large",
                                        "t3.large"};
  for (const auto& names : {gpu, cpu}) {
    for (auto ct : {std::optional<CapacityType>{}, std::optional(CapacityType::kOnDemand),
                    std::optional(CapacityType::kSpot)}) {
      const auto c = candidates(names, ct);
      const auto sim = simOrder(c);
      EXPECT_FALSE(sim.empty());
      EXPECT_EQ(sim, ec2Order(c)) << names.front();
    }
  }
}

TEST(OfferingOrderTest, UnavailableSpotFallsBackToOnDemandLikeEc2) {
  auto c = candidates({"m5.large", "c5.large"});
  for (auto& t : c) {
    for (auto& o : t.offerings) o.available = o.capacityType != CapacityType::kSpot;
  }
  const auto sim = simOrder(c);
  ASSERT_FALSE(sim.empty());
  EXPECT_NE(sim.front().find("/on-demand"), std::string::npos);
  EXPECT_EQ(sim, ec2Order(c));
}

}  // namespace
}  // namespace gantry::cloudprovider::sim
