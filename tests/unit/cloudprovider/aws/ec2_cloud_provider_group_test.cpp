// Ec2CloudProvider beyond single launches: gangs (all or nothing, one zone), batched and
// repeatable termination, get/list by tag, and the RunInstances path.
#include <gtest/gtest.h>

#include <set>

#include "tests/unit/cloudprovider/aws/ec2_provider_fixture.h"

namespace gantry::cloudprovider::aws {
namespace {

using api::CapacityType;

CreateGroupRequest groupRequest(std::string name, std::vector<std::string> claims,
                                std::vector<api::InstanceType> types) {
  return {.groupName = std::move(name),
          .nodeClaimNames = std::move(claims),
          .nodePoolName = "gang",
          .nodeClassRef = nodeClassRef(),
          .instanceTypes = std::move(types)};
}

TEST_F(Ec2ProviderTest, GroupLaunchesAllInOneZoneAndTagsEachClaim) {
  auto types = std::vector{candidate("p4d.24xlarge", {{"us-east-1b", 32.0}, {"us-east-1a", 33.0}}),
                           candidate("p5.48xlarge", {{"us-east-1a", 98.0}, {"us-east-1b", 98.0}})};
  auto group = provider_->createGroup(groupRequest("job-1", {"w-0", "w-1", "w-2"}, types));
  ASSERT_TRUE(group.has_value()) << group.error().toString();
  ASSERT_EQ(group->size(), 3u);

  const auto fleet = ec2_.fleetRequests().at(0);
  EXPECT_EQ(fleet.totalTargetCapacity, 3);
  EXPECT_EQ(fleet.minTargetCapacity, 3);
  EXPECT_TRUE(fleet.singleAvailabilityZone);
  EXPECT_TRUE(fleet.singleInstanceType);
  for (const auto& o : fleet.launchTemplateConfigs.at(0).overrides) {
    EXPECT_EQ(o.subnetId, "subnet-b") << "every pool in the cheapest pool's zone";
  }
  const auto instances = ec2_.instances();
  std::set<std::string> ids;
  for (size_t i = 0; i < 3; ++i) {
    const CloudInstance& ci = group->at(i);
    EXPECT_EQ(ci.nodeClaimName, "w-" + std::to_string(i));
    EXPECT_EQ(ci.zone, "us-east-1b");
    EXPECT_DOUBLE_EQ(ci.pricePerHour, 32.0);
    auto tags = tagMap(instances.at(ci.instanceId).tags);
    EXPECT_EQ(tags["gantry.dev/nodeclaim"], ci.nodeClaimName);
    EXPECT_EQ(tags["gantry.dev/group"], "job-1");
    ids.insert(ci.instanceId);
  }
  EXPECT_EQ(ids.size(), 3u);

  // A retry returns the same instances with the same pairing and launches nothing.
  auto again = provider_->createGroup(groupRequest("job-1", {"w-0", "w-1", "w-2"}, types));
  ASSERT_TRUE(again.has_value()) << again.error().toString();
  for (size_t i = 0; i < 3; ++i) EXPECT_EQ(again->at(i).instanceId, group->at(i).instanceId);
  EXPECT_EQ(ec2_.callCount("CreateFleet"), 1u);
}

TEST_F(Ec2ProviderTest, PartialGroupIsTerminatedAndReportedAsInsufficientCapacity) {
  ec2_.fleetCapacityLimit = 2;
  auto group = provider_->createGroup(
      groupRequest("job-2", {"a", "b", "c"}, {candidate("g5.12xlarge", {{"us-east-1a", 5.67}})}));
  ASSERT_FALSE(group.has_value());
  EXPECT_TRUE(group.error().isInsufficientCapacity()) << group.error().toString();
  for (const auto& [id, instance] : ec2_.instances()) {
    EXPECT_EQ(instance.state, "terminated") << id;
  }
  EXPECT_EQ(ec2_.instances().size(), 2u);
}

TEST_F(Ec2ProviderTest, DeleteIsRepeatableAndNotFoundOnceGone) {
  auto launched = provider_->create(request("claim-d", {candidate("m5.large", {{"us-east-1a", 0.1}})}));
  ASSERT_TRUE(launched.has_value());
  EXPECT_TRUE(provider_->deleteInstance(launched->providerId).isOk());
  EXPECT_TRUE(provider_->deleteInstance(launched->providerId).isNotFound());
  EXPECT_TRUE(provider_->get(launched->providerId).error().isNotFound());
  EXPECT_TRUE(provider_->deleteInstance("aws:///us-east-1a/i-0000000000").isNotFound());
  EXPECT_TRUE(provider_->deleteInstance("gce://x").isInvalid());
}

TEST_F(Ec2ProviderTest, DeleteInstancesBatchesAThousandIdsPerCall) {
  std::vector<std::string> providerIds;
  for (int i = 0; i < 2500; ++i) {
    const std::string id = "i-" + std::to_string(5000000 + i);
    ec2_.putInstance({.instanceId = id, .state = "running", .availabilityZone = "us-east-1a"});
    providerIds.push_back("aws:///us-east-1a/" + id);
  }
  providerIds.push_back("aws:///us-east-1a/i-unknown");  // settles its chunk one by one
  providerIds.push_back("not-a-provider-id");
  auto results = provider_->deleteInstances(providerIds);
  ASSERT_EQ(results.size(), providerIds.size());
  for (int i = 0; i < 2500; ++i) ASSERT_TRUE(results[i].isOk()) << i << results[i].toString();
  EXPECT_TRUE(results[2500].isNotFound());
  EXPECT_TRUE(results[2501].isInvalid());
  const auto calls = ec2_.terminateRequests();
  ASSERT_GE(calls.size(), 3u);
  EXPECT_EQ(calls[0].instanceIds.size(), 1000u);
  EXPECT_EQ(calls[1].instanceIds.size(), 1000u);
  EXPECT_EQ(calls[2].instanceIds.size(), 501u);  // failed whole: one unknown id
  EXPECT_EQ(calls.size(), 3u + 501u);
}

TEST_F(Ec2ProviderTest, ListAndGetSeeOnlyThisClustersLiveInstances) {
  ec2_.putInstance({.instanceId = "i-mine",
                    .instanceType = "m5.large",
                    .state = "running",
                    .availabilityZone = "us-east-1c",
                    .lifecycle = "spot",
                    .tags = {{"gantry.dev/cluster", "unit-cluster"}, {"gantry.dev/nodeclaim", "c1"},
                             {"gantry.dev/nodepool", "p1"}}});
  ec2_.putInstance({.instanceId = "i-other",
                    .state = "running",
                    .tags = {{"gantry.dev/cluster", "someone-else"}}});
  ec2_.putInstance({.instanceId = "i-dead",
                    .state = "terminated",
                    .tags = {{"gantry.dev/cluster", "unit-cluster"}}});
  auto all = provider_->list();
  ASSERT_TRUE(all.has_value());
  ASSERT_EQ(all->size(), 1u);
  const CloudInstance& mine = all->at(0);
  EXPECT_EQ(mine.providerId, "aws:///us-east-1c/i-mine");
  EXPECT_EQ(mine.capacityType, CapacityType::kSpot);
  EXPECT_EQ(mine.nodeClaimName, "c1");
  EXPECT_EQ(mine.nodePoolName, "p1");

  auto got = provider_->get("aws:///us-east-1c/i-mine");
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->instanceType, "m5.large");
  EXPECT_TRUE(provider_->get("aws:///us-east-1a/i-dead").error().isNotFound());
}

TEST_F(Ec2ProviderTest, FallsBackToRunInstancesWhenFleetIsUnsupported) {
  ec2_.failNext("CreateFleet", Status::invalid("EC2 CreateFleet: InvalidAction: not here"));
  ec2_.refusePool("m5.large", "us-east-1a", "on-demand");
  auto types = std::vector{candidate("m5.large", {{"us-east-1a", 0.09}, {"us-east-1b", 0.1}})};
  auto result = provider_->create(request("claim-run", types));
  ASSERT_TRUE(result.has_value()) << result.error().toString();
  EXPECT_EQ(result->zone, "us-east-1b");
  const auto runs = ec2_.runRequests();
  ASSERT_EQ(runs.size(), 2u);  // 1a refused, then 1b
  EXPECT_EQ(runs[0].subnetId, "subnet-a");
  EXPECT_NE(runs[0].clientToken, runs[1].clientToken);
  EXPECT_FALSE(runs[0].launchTemplate.launchTemplateId.empty());
  EXPECT_TRUE(provider_->unavailableOfferings().isUnavailable(CapacityType::kOnDemand, "m5.large",
                                                              "us-east-1a"));

  // Other CreateFleet errors are final and surface unchanged.
  ec2_.failNext("CreateFleet", Status::forbidden("EC2 CreateFleet: UnauthorizedOperation"));
  auto denied = provider_->create(request("claim-run-2", types));
  ASSERT_FALSE(denied.has_value());
  EXPECT_TRUE(denied.error().isForbidden());
  EXPECT_EQ(ec2_.runRequests().size(), 2u);
}

TEST_F(Ec2ProviderTest, RunInstancesModeSpotMarksSpotPools) {
  auto provider = makeProvider({.launchApi = LaunchApi::kRunInstances});
  ec2_.refusePool("c5.large", "us-east-1a", "spot", "MaxSpotInstanceCountExceeded");
  ec2_.refusePool("c5.large", "us-east-1b", "spot");
  auto result = provider->create(
      request("claim-r", {candidate("c5.large", {}, {{"us-east-1a", 0.03}, {"us-east-1b", 0.04}})}));
  ASSERT_FALSE(result.has_value());
  EXPECT_TRUE(result.error().isInsufficientCapacity());
  EXPECT_NE(result.error().message().find("MaxSpotInstanceCountExceeded"), std::string::npos);
  EXPECT_EQ(ec2_.callCount("CreateFleet"), 0u);
  for (const auto& r : ec2_.runRequests()) EXPECT_EQ(r.marketType, "spot");
  EXPECT_TRUE(provider->unavailableOfferings().isUnavailable(CapacityType::kSpot, "c5.large", "us-east-1a"));
}

TEST_F(Ec2ProviderTest, DriftIsReportedForAnImageTheClassNoLongerSelects) {
  CloudInstance ci{.imageId = "ami-123", .subnetId = "subnet-a"};
  auto same = provider_->isDrifted(ci, nodeClassRef());
  ASSERT_TRUE(same.has_value());
  EXPECT_FALSE(same->has_value());
  ci.imageId = "ami-old";
  EXPECT_EQ(provider_->isDrifted(ci, nodeClassRef()).value(), "ImageDrift");
  ci.imageId = "ami-123";
  ci.subnetId = "subnet-gone";
  EXPECT_EQ(provider_->isDrifted(ci, nodeClassRef()).value(), "SubnetDrift");
}

TEST_F(Ec2ProviderTest, DriftIsReportedForSecurityGroupsOtherThanTheClassResolvesTo) {
  Instance described{.instanceId = "i-0sg", .imageId = "ami-123", .state = "running",
                     .subnetId = "subnet-a", .securityGroupIds = {"sg-1"}};
  ec2_.putInstance(described);
  CloudInstance ci{.instanceId = "i-0sg", .imageId = "ami-123", .subnetId = "subnet-a"};
  auto same = provider_->isDrifted(ci, nodeClassRef());
  ASSERT_TRUE(same.has_value()) << same.error().toString();
  EXPECT_FALSE(same->has_value());
  described.securityGroupIds = {"sg-0", "sg-1"};
  ec2_.putInstance(described);
  EXPECT_EQ(provider_->isDrifted(ci, nodeClassRef()).value(), "SecurityGroupDrift");
  described.securityGroupIds = {"sg-old"};
  ec2_.putInstance(described);
  EXPECT_EQ(provider_->isDrifted(ci, nodeClassRef()).value(), "SecurityGroupDrift");
  described.securityGroupIds.clear();
  ec2_.putInstance(described);
  EXPECT_FALSE(provider_->isDrifted(ci, nodeClassRef()).value().has_value())
      << "groups not described are not drift";
}

}  // namespace
}  // namespace gantry::cloudprovider::aws
