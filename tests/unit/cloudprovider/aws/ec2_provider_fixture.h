// Shared set-up for the Ec2CloudProvider unit tests: a FakeEc2Api with three tagged subnets
// (one per zone), a security group and an image, a fake clock, the "default" EC2NodeClass in
// the provider's node-class source, and candidate builders.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "cloudprovider/aws/ec2_cloud_provider.h"
#include "tests/fakes/fake_clock.h"
#include "tests/fakes/fake_ec2_api.h"

namespace gantry::cloudprovider::aws {

class FakeSsmApi final : public SsmApi {
 public:
  std::map<std::string, std::string> values;
  int calls = 0;
  Result<std::string> getParameter(std::string_view name) override {
    ++calls;
    auto it = values.find(std::string(name));
    if (it == values.end()) return fail(Status::notFound("SSM GetParameter: ParameterNotFound"));
    return it->second;
  }
};

inline api::InstanceType candidate(std::string name, std::map<std::string, double> onDemand,
                                   std::map<std::string, double> spot = {}) {
  api::InstanceType t;
  t.name = std::move(name);
  t.architecture = "amd64";
  t.capacity.set("cpu", api::Quantity::fromValue(4));
  for (const auto& [zone, price] : onDemand) {
    t.offerings.push_back({.zone = zone, .capacityType = api::CapacityType::kOnDemand, .pricePerHour = price});
  }
  for (const auto& [zone, price] : spot) {
    t.offerings.push_back({.zone = zone, .capacityType = api::CapacityType::kSpot, .pricePerHour = price});
  }
  return t;
}

inline api::Ec2NodeClass testNodeClass() {
  api::Ec2NodeClass nc;
  nc.name = "default";
  nc.subnetSelectorTerms = {{.tags = {{"gantry.dev/discovery", "unit"}}}};
  nc.securityGroupSelectorTerms = {{.tags = {{"gantry.dev/discovery", "unit"}}}};
  nc.amiSelectorTerms = {{.id = "ami-123"}};
  nc.instanceProfile = "node-profile";
  nc.tags = {{"team", "ml"}};
  return nc;
}

// How a NodeClaim names an EC2NodeClass.
inline api::NodeClassRef nodeClassRef(std::string name = "default") {
  return {.group = "gantry.dev", .kind = "EC2NodeClass", .name = std::move(name)};
}

class Ec2ProviderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* zone : {"us-east-1a", "us-east-1b", "us-east-1c"}) {
      ec2_.subnets.push_back({.subnetId = std::string("subnet-") + zone[9],
                              .availabilityZone = zone,
                              .availableIpAddressCount = 100,
                              .state = "available",
                              .tags = {{"gantry.dev/discovery", "unit"}}});
    }
    ec2_.securityGroups.push_back({.groupId = "sg-1", .tags = {{"gantry.dev/discovery", "unit"}}});
    ec2_.images.push_back({.imageId = "ami-123", .architecture = "x86_64", .state = "available"});
    provider_ = makeProvider();
  }

  std::unique_ptr<Ec2CloudProvider> makeProvider(Ec2CloudProviderOptions options = {}) {
    if (options.clusterName.empty()) options.clusterName = "unit-cluster";
    return std::make_unique<Ec2CloudProvider>(
        options, ec2_, &ssm_, clock_,
        [this] { return Result<api::InstanceTypesPtr>(catalog_); }, nodeClasses_);
  }

  // A launch of `claim` whose NodeClaim names the EC2NodeClass `nodeClass` (put it in
  // nodeClasses_ first, unless it is "default").
  CreateRequest request(std::string claim, std::vector<api::InstanceType> types,
                        std::string nodeClass = "default") {
    return {.nodeClaimName = std::move(claim),
            .nodePoolName = "default",
            .nodeClassRef = nodeClassRef(std::move(nodeClass)),
            .instanceTypes = std::move(types)};
  }

  static std::map<std::string, std::string> tagMap(const std::vector<Tag>& tags) {
    std::map<std::string, std::string> m;
    for (const auto& t : tags) m[t.key] = t.value;
    return m;
  }

  FakeClock clock_;
  FakeEc2Api ec2_;
  FakeSsmApi ssm_;
  api::InstanceTypesPtr catalog_ = std::make_shared<const api::InstanceTypes>();
  InMemoryEc2NodeClassSource nodeClasses_{testNodeClass()};
  std::unique_ptr<Ec2CloudProvider> provider_;
};

}  // namespace gantry::cloudprovider::aws
