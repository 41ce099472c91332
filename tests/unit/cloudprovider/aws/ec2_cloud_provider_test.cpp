// Ec2CloudProvider launches against a stateful FakeEc2Api: override building, allocation
// strategies, tags and client tokens, capacity errors and their expiry, idempotent retries,
// launch template reuse and AMI aliases.
#include <gtest/gtest.h>

#include <set>

#include "tests/unit/cloudprovider/aws/ec2_provider_fixture.h"

namespace gantry::cloudprovider::aws {
namespace {

using api::CapacityType;

TEST_F(Ec2ProviderTest, CreateOffersOneOverridePerTypeAndZoneCheapestFirst) {
  auto result = provider_->create(request(
      "claim-a", {candidate("m5.large", {{"us-east-1a", 0.096}, {"us-east-1b", 0.097}}),
                  candidate("m6i.large", {{"us-east-1a", 0.090}, {"us-east-1c", 0.099}})}));
  ASSERT_TRUE(result.has_value()) << result.error().toString();

  const auto fleets = ec2_.fleetRequests();
  ASSERT_EQ(fleets.size(), 1u);
  const CreateFleetRequest& fleet = fleets[0];
  EXPECT_EQ(fleet.type, "instant");
  EXPECT_EQ(fleet.totalTargetCapacity, 1);
  EXPECT_FALSE(fleet.minTargetCapacity.has_value());
  EXPECT_EQ(fleet.defaultTargetCapacityType, "on-demand");
  EXPECT_EQ(fleet.onDemandAllocationStrategy, "lowest-price");
  EXPECT_EQ(fleet.clientToken, Ec2CloudProvider::clientTokenFor("nodeclaim", "claim-a"));
  EXPECT_LE(fleet.clientToken.size(), 64u);
  ASSERT_EQ(fleet.launchTemplateConfigs.size(), 1u);
  const auto& overrides = fleet.launchTemplateConfigs[0].overrides;
  ASSERT_EQ(overrides.size(), 4u);
  std::vector<std::pair<std::string, std::string>> pools;
  for (const auto& o : overrides) pools.emplace_back(o.instanceType, o.subnetId);
  EXPECT_EQ(pools, (std::vector<std::pair<std::string, std::string>>{{"m6i.large", "subnet-a"},
                                                                      {"m5.large", "subnet-a"},
                                                                      {"m5.large", "subnet-b"},
                                                                      {"m6i.large", "subnet-c"}}));
  for (const auto& spec : fleet.tagSpecifications) {
    auto tags = tagMap(spec.tags);
    EXPECT_EQ(tags["gantry.dev/cluster"], "unit-cluster") << spec.resourceType;
    EXPECT_EQ(tags["gantry.dev/nodepool"], "default");
    EXPECT_EQ(tags["gantry.dev/nodeclaim"], "claim-a");
    EXPECT_EQ(tags["Name"], "claim-a");
    EXPECT_EQ(tags["team"], "ml");  // the node class's tags
  }
  ASSERT_EQ(fleet.tagSpecifications.size(), 2u);
  EXPECT_EQ(fleet.tagSpecifications[1].resourceType, "volume");

  // The fake launches in the first pool, as lowest-price would.
  EXPECT_EQ(result->instanceType, "m6i.large");
  EXPECT_EQ(result->zone, "us-east-1a");
  EXPECT_EQ(result->providerId, "aws:///us-east-1a/" + result->instanceId);
  EXPECT_EQ(result->capacityType, CapacityType::kOnDemand);
  EXPECT_DOUBLE_EQ(result->pricePerHour, 0.090);
  EXPECT_EQ(result->capacity.get("cpu"), api::Quantity::fromValue(4));
  EXPECT_EQ(result->nodeClaimName, "claim-a");
  EXPECT_EQ(result->imageId, "ami-123");
}

TEST_F(Ec2ProviderTest, SpotWhenAllowedUsesPriceCapacityOptimized) {
  auto result = provider_->create(request(
      "claim-spot", {candidate("g5.xlarge", {{"us-east-1a", 1.006}}, {{"us-east-1b", 0.40}})}));
  ASSERT_TRUE(result.has_value()) << result.error().toString();
  const auto fleet = ec2_.fleetRequests().at(0);
  EXPECT_EQ(fleet.defaultTargetCapacityType, "spot");
  EXPECT_EQ(fleet.spotAllocationStrategy, "price-capacity-optimized");
  EXPECT_TRUE(fleet.onDemandAllocationStrategy.empty());
  ASSERT_EQ(fleet.launchTemplateConfigs.at(0).overrides.size(), 1u);  // on-demand pools left out
  EXPECT_EQ(result->capacityType, CapacityType::kSpot);
  EXPECT_DOUBLE_EQ(result->pricePerHour, 0.40);
}

TEST_F(Ec2ProviderTest, OverridesAreCappedAtTheSixtyCheapest) {
  std::vector<api::InstanceType> types;
  for (int i = 0; i < 25; ++i) {
    const double base = 1.0 + i;  // type i costs more than type i-1 in every zone
    types.push_back(candidate("t" + std::to_string(i) + ".large",
                              {{"us-east-1a", base}, {"us-east-1b", base + 0.1}, {"us-east-1c", base + 0.2}}));
  }
  ASSERT_TRUE(provider_->create(request("claim-many", types)).has_value());
  const auto overrides = ec2_.fleetRequests().at(0).launchTemplateConfigs.at(0).overrides;
  ASSERT_EQ(overrides.size(), 60u);
  EXPECT_EQ(overrides.front().instanceType, "t0.large");
  EXPECT_EQ(overrides.back().instanceType, "t19.large");  // 20 types x 3 zones
}

TEST_F(Ec2ProviderTest, CapacityErrorMarksThePoolUntilItExpires) {
  ec2_.refusePool("g5.xlarge", "us-east-1a", "on-demand");
  auto types = std::vector{candidate("g5.xlarge", {{"us-east-1a", 1.0}, {"us-east-1b", 1.1}})};

  auto first = provider_->create(request("claim-1", types));
  ASSERT_TRUE(first.has_value()) << first.error().toString();
  EXPECT_EQ(first->zone, "us-east-1b");  // the fleet moved on to the next pool
  auto& cache = provider_->unavailableOfferings();
  EXPECT_TRUE(cache.isUnavailable(CapacityType::kOnDemand, "g5.xlarge", "us-east-1a"));
  EXPECT_FALSE(cache.isUnavailable(CapacityType::kOnDemand, "g5.xlarge", "us-east-1b"));
  EXPECT_FALSE(cache.isUnavailable(CapacityType::kSpot, "g5.xlarge", "us-east-1a"));

  // The planner sees it too.
  catalog_ = std::make_shared<const api::InstanceTypes>(types);
  auto catalog = provider_->instanceTypes();
  ASSERT_TRUE(catalog.has_value());
  EXPECT_FALSE((*catalog)->at(0).offerings.at(0).available);
  EXPECT_TRUE((*catalog)->at(0).offerings.at(1).available);

  // The next launch does not even offer the marked pool.
  ASSERT_TRUE(provider_->create(request("claim-2", types)).has_value());
  auto overrides = ec2_.fleetRequests().at(1).launchTemplateConfigs.at(0).overrides;
  ASSERT_EQ(overrides.size(), 1u);
  EXPECT_EQ(overrides[0].subnetId, "subnet-b");

  // Three minutes later it is offered again.
  clock_.advance(std::chrono::minutes(3));
  EXPECT_FALSE(cache.isUnavailable(CapacityType::kOnDemand, "g5.xlarge", "us-east-1a"));
  ASSERT_TRUE(provider_->create(request("claim-3", types)).has_value());
  EXPECT_EQ(ec2_.fleetRequests().at(2).launchTemplateConfigs.at(0).overrides.size(), 2u);
}

TEST_F(Ec2ProviderTest, NothingLaunchedIsInsufficientCapacityNamingEachPool) {
  ec2_.refusePool("p4d.24xlarge", "us-east-1a", "on-demand");
  ec2_.refusePool("p4d.24xlarge", "us-east-1c", "on-demand", "VcpuLimitExceeded");
  auto types = std::vector{candidate("p4d.24xlarge", {{"us-east-1a", 32.0}, {"us-east-1c", 32.0}})};
  auto result = provider_->create(request("claim-ice", types));
  ASSERT_FALSE(result.has_value());
  EXPECT_TRUE(result.error().isInsufficientCapacity()) << result.error().toString();
  EXPECT_NE(result.error().message().find("p4d.24xlarge/us-east-1a/on-demand: InsufficientInstanceCapacity"),
            std::string::npos) << result.error().message();
  EXPECT_NE(result.error().message().find("us-east-1c/on-demand: VcpuLimitExceeded"), std::string::npos);
  // EC2's own message, once however many pools said it.
  const std::string& message = result.error().message();
  EXPECT_NE(message.find("(EC2: \"no capacity\")"), std::string::npos) << message;
  EXPECT_EQ(message.find("no capacity"), message.rfind("no capacity")) << message;
  EXPECT_EQ(provider_->unavailableOfferings().size(), 2u);

  // With every pool marked, the next attempt fails fast without calling CreateFleet.
  auto again = provider_->create(request("claim-ice-2", types));
  ASSERT_FALSE(again.has_value());
  EXPECT_TRUE(again.error().isInsufficientCapacity());
  EXPECT_EQ(ec2_.callCount("CreateFleet"), 1u);
}

TEST_F(Ec2ProviderTest, RetriedCreateReturnsTheInstanceAlreadyLaunched) {
  auto types = std::vector{candidate("m5.large", {{"us-east-1a", 0.096}})};
  auto first = provider_->create(request("claim-retry", types));
  ASSERT_TRUE(first.has_value());
  auto second = provider_->create(request("claim-retry", types));
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(second->instanceId, first->instanceId);
  EXPECT_EQ(second->providerId, first->providerId);
  EXPECT_DOUBLE_EQ(second->pricePerHour, 0.096);
  EXPECT_EQ(ec2_.callCount("CreateFleet"), 1u);
  EXPECT_EQ(ec2_.instances().size(), 1u);

  // A terminated instance does not count: the claim launches anew.
  ASSERT_TRUE(provider_->deleteInstance(first->providerId).isOk());
  auto third = provider_->create(request("claim-retry", types));
  ASSERT_TRUE(third.has_value());
  EXPECT_EQ(ec2_.callCount("CreateFleet"), 2u);
}

TEST_F(Ec2ProviderTest, LookupFailureBeforeLaunchIsSurfacedAndLaunchesNothing) {
  ec2_.failNext("DescribeInstances", Status::throttled("EC2 DescribeInstances: RequestLimitExceeded"));
  auto result = provider_->create(request("claim-t", {candidate("m5.large", {{"us-east-1a", 0.1}})}));
  ASSERT_FALSE(result.has_value());
  EXPECT_TRUE(result.error().isThrottled());
  EXPECT_EQ(ec2_.callCount("CreateFleet"), 0u);
}

TEST_F(Ec2ProviderTest, LaunchTemplateIsCreatedOnceAndReused) {
  auto types = std::vector{candidate("m5.large", {{"us-east-1a", 0.096}})};
  ASSERT_TRUE(provider_->create(request("claim-1", types)).has_value());
  ASSERT_TRUE(provider_->create(request("claim-2", types)).has_value());
  ASSERT_EQ(ec2_.launchTemplateRequests().size(), 1u);
  const auto lt = ec2_.launchTemplateRequests()[0];
  EXPECT_TRUE(lt.launchTemplateName.starts_with("gantry/unit-cluster/")) << lt.launchTemplateName;
  EXPECT_EQ(lt.data.imageId, "ami-123");
  EXPECT_EQ(lt.data.metadataOptions.httpTokens, "required");  // IMDSv2 by default
  EXPECT_EQ(lt.data.metadataOptions.httpPutResponseHopLimit, 1);
  EXPECT_EQ(lt.data.iamInstanceProfileName, "node-profile");
  EXPECT_EQ(lt.data.securityGroupIds, std::vector<std::string>{"sg-1"});
  ASSERT_EQ(lt.data.blockDeviceMappings.size(), 1u);
  EXPECT_EQ(lt.data.blockDeviceMappings[0].volumeSizeGiB, 20);

  // A second provider (a restart) finds it by name instead of creating it.
  auto restarted = makeProvider();
  ASSERT_TRUE(restarted->create(request("claim-3", types)).has_value());
  EXPECT_EQ(ec2_.launchTemplateRequests().size(), 1u);

  // Losing a create race (the describe missed it, the create says AlreadyExists) ends in
  // the existing template.
  auto racing = makeProvider();
  ec2_.failNext("DescribeLaunchTemplates", Status::notFound("InvalidLaunchTemplateName.NotFoundException"));
  auto raced = racing->create(request("claim-4", types));
  ASSERT_TRUE(raced.has_value()) << raced.error().toString();
  const auto fleets = ec2_.fleetRequests();
  EXPECT_EQ(fleets.back().launchTemplateConfigs[0].launchTemplate.launchTemplateId,
            fleets.front().launchTemplateConfigs[0].launchTemplate.launchTemplateId);
}

TEST_F(Ec2ProviderTest, ChangedNodeClassGetsANewTemplateName) {
  api::Ec2NodeClass a = testNodeClass();
  api::Ec2NodeClass b = a;
  b.userData = "#!/bin/bash\necho hi";
  api::Ec2NodeClass c = a;
  c.tags["other"] = "tag";  // tags go on the fleet, not into the template
  const LaunchTemplateInputs in{.clusterName = "x", .imageId = "ami-1", .nodeClass = &a};
  auto with = [&](const api::Ec2NodeClass& nc) {
    LaunchTemplateInputs i = in;
    i.nodeClass = &nc;
    return launchTemplateName(i);
  };
  EXPECT_EQ(with(a), launchTemplateName(in));
  EXPECT_NE(with(b), with(a));
  EXPECT_EQ(with(c), with(a));
  LaunchTemplateInputs other = in;
  other.imageId = "ami-2";
  EXPECT_NE(launchTemplateName(other), with(a));
  EXPECT_EQ(launchTemplateData({.imageId = "ami-1", .nodeClass = &b}).userData,
            base64Encode("#!/bin/bash\necho hi"));
  EXPECT_EQ(base64Encode("ab"), "YWI=");
  EXPECT_EQ(base64Encode("abc"), "YWJj");
  EXPECT_EQ(base64Encode("a"), "YQ==");
}

TEST_F(Ec2ProviderTest, AliasPicksTheNvidiaImageForNvidiaTypes) {
  ssm_.values[eksOptimizedAmiParameter("1.34", "x86_64", false)] = "ami-std";
  ssm_.values[eksOptimizedAmiParameter("1.34", "x86_64", true)] = "ami-gpu";
  EXPECT_EQ(eksOptimizedAmiParameter("1.34", "x86_64", true),
            "/aws/service/eks/optimized-ami/1.34/amazon-linux-2023/x86_64/nvidia/recommended/image_id");
  auto gpu = candidate("g5.xlarge", {{"us-east-1a", 1.0}});
  gpu.gpu = api::GpuSpec{.manufacturer = "NVIDIA", .name = "A10G", .count = 1};
  auto cpu = candidate("m5.large", {{"us-east-1a", 0.1}});
  api::Ec2NodeClass alias = testNodeClass();
  alias.name = "alias";
  alias.amiSelectorTerms = {{.alias = "al2023@latest"}};
  nodeClasses_.put(alias);
  auto req = request("claim-alias", {cpu, gpu}, "alias");
  ASSERT_TRUE(provider_->create(req).has_value());
  // One launch template per image, each with its own overrides.
  const auto fleet = ec2_.fleetRequests().at(0);
  ASSERT_EQ(fleet.launchTemplateConfigs.size(), 2u);
  std::set<std::string> images;
  for (const auto& lt : ec2_.launchTemplateRequests()) images.insert(lt.data.imageId);
  EXPECT_EQ(images, (std::set<std::string>{"ami-std", "ami-gpu"}));
  for (const auto& cfg : fleet.launchTemplateConfigs) ASSERT_EQ(cfg.overrides.size(), 1u);
  const int ssmCalls = ssm_.calls;
  ASSERT_TRUE(provider_->create(request("claim-alias-2", {cpu})).has_value());
  auto again = request("claim-alias-3", {cpu}, "alias");
  ASSERT_TRUE(provider_->create(again).has_value());
  EXPECT_EQ(ssm_.calls, ssmCalls) << "SSM answers are cached";
}

TEST_F(Ec2ProviderTest, NodeClassThatResolvesToNothingIsInvalid) {
  api::Ec2NodeClass nowhere = testNodeClass();
  nowhere.name = "nowhere";
  nowhere.subnetSelectorTerms = {{.tags = {{"gantry.dev/discovery", "nobody"}}}};
  nodeClasses_.put(nowhere);
  auto req = request("claim-x", {candidate("m5.large", {{"us-east-1a", 0.1}})}, "nowhere");
  auto result = provider_->create(req);
  ASSERT_FALSE(result.has_value());
  EXPECT_TRUE(result.error().isInvalid()) << result.error().toString();
  EXPECT_NE(result.error().message().find("no subnet"), std::string::npos);
  EXPECT_EQ(ec2_.callCount("CreateFleet"), 0u);
}

// The neutral seam names the node class only; the provider looks it up in its source.
TEST_F(Ec2ProviderTest, LaunchLooksTheNodeClassUpByReference) {
  nodeClasses_.remove("default");
  auto missing = provider_->create(request("claim-m", {candidate("m5.large", {{"us-east-1a", 0.1}})}));
  ASSERT_FALSE(missing.has_value());
  EXPECT_TRUE(missing.error().isNotFound()) << missing.error().toString();
  EXPECT_EQ(missing.error().message(), "EC2NodeClass \"default\" not found");
  EXPECT_EQ(ec2_.callCount("CreateFleet"), 0u);
  auto drift = provider_->isDrifted(CloudInstance{.imageId = "ami-123"}, nodeClassRef());
  ASSERT_FALSE(drift.has_value());
  EXPECT_TRUE(drift.error().isNotFound()) << drift.error().toString();

  // Put back, the class is read afresh on the next launch (the source is the cache).
  nodeClasses_.put(testNodeClass());
  ASSERT_TRUE(provider_->create(request("claim-m", {candidate("m5.large", {{"us-east-1a", 0.1}})}))
                  .has_value());
  EXPECT_EQ(ec2_.callCount("CreateFleet"), 1u);
}

TEST_F(Ec2ProviderTest, NodeClassOfAnotherKindIsInvalid) {
  auto req = request("claim-k", {candidate("m5.large", {{"us-east-1a", 0.1}})});
  req.nodeClassRef.kind = "AKSNodeClass";
  auto result = provider_->create(req);
  ASSERT_FALSE(result.has_value());
  EXPECT_TRUE(result.error().isInvalid()) << result.error().toString();
  EXPECT_NE(result.error().message().find("AKSNodeClass"), std::string::npos);
  req.nodeClassRef.kind.clear();  // claims written before kinds were recorded
  EXPECT_TRUE(provider_->create(req).has_value());
}

}  // namespace
}  // namespace gantry::cloudprovider::aws
