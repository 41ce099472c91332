// The merge rules of the live catalog: EC2 decides what exists and its hardware, the bundle
// fills gaps, live prices beat bundled ones, spot history beats estimates, and a live type
// computes exactly the capacity, overhead and labels its bundled twin does.
#include "cloudprovider/aws/live_catalog_merge.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>

#include "cloudprovider/catalog/bundled_catalog.h"
#include "src/api/well_known_labels.h"

namespace gantry::cloudprovider::aws {
namespace {

using api::CapacityType;
using api::InstanceType;
using ::testing::ElementsAre;
namespace label = api::label;

InstanceTypeInfo g5xlarge() {
  return {.instanceType = "g5.xlarge",
          .currentGeneration = true,  // as real EC2 reports it (moto's data says false)
          .hypervisor = "nitro",
          .supportedUsageClasses = {"on-demand", "spot"},
          .supportedArchitectures = {"x86_64"},
          .defaultVCpus = 4,
          .memoryMiB = 16384,
          .gpus = {{.name = "A10G", .manufacturer = "NVIDIA", .count = 1, .memoryMiB = 22888}},
          .maximumNetworkInterfaces = 4,
          .ipv4AddressesPerInterface = 15};
}

std::vector<InstanceTypeOffering> offered(const std::string& type, std::vector<std::string> zones) {
  std::vector<InstanceTypeOffering> out;
  for (auto& zone : zones) {
    out.push_back({.instanceType = type, .locationType = "availability-zone", .location = zone});
  }
  return out;
}

const InstanceType* find(const api::InstanceTypes& types, std::string_view name) {
  auto it = std::find_if(types.begin(), types.end(),
                         [&](const InstanceType& t) { return t.name == name; });
  return it == types.end() ? nullptr : &*it;
}

class LiveCatalogMergeTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto built = bundledInstanceTypes("us-east-1");
    ASSERT_TRUE(built.has_value());
    bundled_ = *built;
  }
  static void TearDownTestSuite() { bundled_.reset(); }

  api::InstanceTypesPtr merge(const LiveCatalogInputs& inputs) {
    auto merged = mergeLiveCatalog(inputs, bundled_.get());
    EXPECT_TRUE(merged.has_value()) << (merged ? "" : merged.error().toString());
    return merged.value_or(std::make_shared<api::InstanceTypes>());
  }

  static inline api::InstanceTypesPtr bundled_;
};

TEST_F(LiveCatalogMergeTest, LiveTypeComputesExactlyWhatItsBundledTwinDoes) {
  auto merged = merge(
      {.types = {g5xlarge()}, .offerings = offered("g5.xlarge", {"us-east-1a", "us-east-1b"})});
  ASSERT_EQ(merged->size(), 1u);
  const InstanceType& live = merged->front();
  const InstanceType* twin = find(*bundled_, "g5.xlarge");
  ASSERT_NE(twin, nullptr);
  EXPECT_EQ(live.capacity.toString(), twin->capacity.toString());
  EXPECT_EQ(live.overhead.toString(), twin->overhead.toString());
  EXPECT_EQ(live.labels, twin->labels);
  EXPECT_EQ(live.maxPods, twin->maxPods);
  // No live prices: the bundled on-demand price and estimated spot, per zone.
  ASSERT_EQ(live.offerings.size(), 4u);
  EXPECT_EQ(live.offerings[0].zone, "us-east-1a");
  EXPECT_EQ(live.offerings[0].capacityType, CapacityType::kOnDemand);
  EXPECT_DOUBLE_EQ(live.offerings[0].pricePerHour, 1.006);
  EXPECT_FALSE(live.offerings[0].priceEstimated);  // bundled us-east-1 prices are exact
  EXPECT_EQ(live.offerings[1].capacityType, CapacityType::kSpot);
  EXPECT_DOUBLE_EQ(live.offerings[1].pricePerHour, 1.006 * 0.4);
  EXPECT_TRUE(live.offerings[1].priceEstimated);
}

TEST_F(LiveCatalogMergeTest, BundleFillsWhatEc2Omits) {
  InstanceTypeInfo info = g5xlarge();
  info.gpus[0].name.clear();
  info.gpus[0].manufacturer.clear();
  info.gpus[0].memoryMiB = 0;
  info.supportedUsageClasses.clear();
  info.hypervisor.clear();
  auto merged = merge({.types = {info}, .offerings = offered("g5.xlarge", {"us-east-1a"})});
  ASSERT_EQ(merged->size(), 1u);
  const InstanceType& live = merged->front();
  ASSERT_TRUE(live.gpu.has_value());
  EXPECT_EQ(live.gpu->name, "A10G");
  EXPECT_EQ(live.gpu->manufacturer, "NVIDIA");
  EXPECT_EQ(live.gpu->memoryMiB, 22888);
  EXPECT_EQ(live.labels.at(std::string(label::kInstanceGpuName)), "a10g");
  EXPECT_EQ(live.hypervisor, "nitro");
  EXPECT_EQ(live.offerings.size(), 2u);  // usage classes from the bundle: on-demand and spot
}

TEST_F(LiveCatalogMergeTest, Ec2DecidesWhichTypesAndZonesExist) {
  InstanceTypeInfo unoffered = g5xlarge();
  unoffered.instanceType = "g5.2xlarge";
  InstanceTypeInfo i386 = g5xlarge();
  i386.instanceType = "t1.old";
  i386.supportedArchitectures = {"i386"};
  LiveCatalogInputs inputs{.types = {g5xlarge(), unoffered, i386},
                           .offerings = offered("g5.xlarge", {"us-east-1c"})};
  auto more = offered("t1.old", {"us-east-1a"});
  inputs.offerings.insert(inputs.offerings.end(), more.begin(), more.end());
  inputs.offerings.push_back(
      {.instanceType = "g5.2xlarge", .locationType = "region", .location = "us-east-1"});
  auto merged = merge(inputs);
  ASSERT_EQ(merged->size(), 1u);  // m5.large etc. of the bundle: not listed by EC2, dropped
  EXPECT_EQ(merged->front().name, "g5.xlarge");
  for (const auto& offering : merged->front().offerings) EXPECT_EQ(offering.zone, "us-east-1c");
}

TEST_F(LiveCatalogMergeTest, TypeTheBundleLacksIsBuiltFromEc2Facts) {
  InstanceTypeInfo fresh{.instanceType = "zz9.large",
                         .currentGeneration = true,
                         .hypervisor = "nitro",
                         .supportedUsageClasses = {"on-demand"},
                         .supportedArchitectures = {"arm64"},
                         .defaultVCpus = 2,
                         .memoryMiB = 4096,
                         .maximumNetworkInterfaces = 3,
                         .ipv4AddressesPerInterface = 10};
  auto merged = merge({.types = {fresh},
                       .offerings = offered("zz9.large", {"us-east-1a"}),
                       .onDemandPrices = OnDemandPrices{{"zz9.large", 0.05}}});
  ASSERT_EQ(merged->size(), 1u);
  const InstanceType& type = merged->front();
  EXPECT_EQ(type.architecture, "arm64");
  EXPECT_EQ(type.maxPods, 3 * (10 - 1) + 2);
  EXPECT_EQ(type.family, "zz9");
  EXPECT_EQ(type.labels.at(std::string(label::kArch)), "arm64");
  EXPECT_EQ(type.labels.at(std::string(label::kInstanceCpu)), "2");
  ASSERT_EQ(type.offerings.size(), 1u);  // on-demand only
  EXPECT_DOUBLE_EQ(type.offerings[0].pricePerHour, 0.05);
  EXPECT_FALSE(type.offerings[0].priceEstimated);

  // Without any price it cannot be compared with anything: dropped.
  auto unpriced = merge({.types = {fresh}, .offerings = offered("zz9.large", {"us-east-1a"})});
  EXPECT_TRUE(unpriced->empty());
}

// g6f: EC2 reports a count of 0 and the share of one L4 as gpuPartitionSize; the live type
// keeps that share, as the bundle does, instead of becoming a "0x L4".
TEST_F(LiveCatalogMergeTest, FractionalGpuKeepsItsShareOfOneDevice) {
  InstanceTypeInfo eighth = g5xlarge();
  eighth.instanceType = "zz9f.large";
  eighth.gpus = {{.name = "L4", .manufacturer = "NVIDIA", .count = 0, .memoryMiB = 2861,
                  .partitionSize = 0.125}};
  auto merged = merge({.types = {eighth},
                       .offerings = offered("zz9f.large", {"us-east-1a"}),
                       .onDemandPrices = OnDemandPrices{{"zz9f.large", 0.3}}});
  ASSERT_EQ(merged->size(), 1u);
  ASSERT_TRUE(merged->front().gpu.has_value());
  EXPECT_EQ(merged->front().gpu->count, 0);
  EXPECT_EQ(merged->front().gpu->partitionPerMille, 125);

  auto whole = merge({.types = {g5xlarge()}, .offerings = offered("g5.xlarge", {"us-east-1a"})});
  ASSERT_EQ(whole->size(), 1u);
  EXPECT_EQ(whole->front().gpu->partitionPerMille, 1000);
}

TEST_F(LiveCatalogMergeTest, LivePricesWinAndTheNewestSpotPricePerZoneIsExact) {
  const auto t0 = Clock::TimePoint{} + std::chrono::hours(1000);
  auto merged = merge({.types = {g5xlarge()},
                       .offerings = offered("g5.xlarge", {"us-east-1a", "us-east-1b"}),
                       .onDemandPrices = OnDemandPrices{{"g5.xlarge", 1.1}},
                       .spotPrices = {
                           {.instanceType = "g5.xlarge",
                            .availabilityZone = "us-east-1a",
                            .price = 0.5,
                            .timestamp = t0},
                           {.instanceType = "g5.xlarge",
                            .availabilityZone = "us-east-1a",
                            .price = 0.3,
                            .timestamp = t0 + std::chrono::hours(6)},
                           {.instanceType = "g5.xlarge",
                            .availabilityZone = "us-east-1a",
                            .price = 0.9,
                            .timestamp = t0 - std::chrono::hours(6)},
                           {.instanceType = "m5.large",
                            .availabilityZone = "us-east-1b",
                            .price = 0.01,
                            .timestamp = t0},
                       }});
  ASSERT_EQ(merged->size(), 1u);
  const auto& offerings = merged->front().offerings;
  ASSERT_EQ(offerings.size(), 4u);
  EXPECT_DOUBLE_EQ(offerings[0].pricePerHour, 1.1);
  EXPECT_FALSE(offerings[0].priceEstimated);
  EXPECT_DOUBLE_EQ(offerings[1].pricePerHour, 0.3);  // us-east-1a spot: the newest point
  EXPECT_FALSE(offerings[1].priceEstimated);
  EXPECT_EQ(offerings[3].zone, "us-east-1b");  // no history there: estimated from 1.1
  EXPECT_DOUBLE_EQ(offerings[3].pricePerHour, 1.1 * 0.4);
  EXPECT_TRUE(offerings[3].priceEstimated);
}

TEST_F(LiveCatalogMergeTest, PricesMissingFromPricingFallBackToTheBundle) {
  auto merged = merge({.types = {g5xlarge()},
                       .offerings = offered("g5.xlarge", {"us-east-1a"}),
                       .onDemandPrices = OnDemandPrices{{"m5.large", 0.1}}});
  ASSERT_EQ(merged->size(), 1u);
  EXPECT_DOUBLE_EQ(merged->front().offerings[0].pricePerHour, 1.006);
}

TEST_F(LiveCatalogMergeTest, WithoutABundleEverythingComesFromEc2) {
  auto merged = mergeLiveCatalog({.types = {g5xlarge()},
                                  .offerings = offered("g5.xlarge", {"mars-1a"}),
                                  .onDemandPrices = OnDemandPrices{{"g5.xlarge", 2.0}}},
                                 nullptr);
  ASSERT_TRUE(merged.has_value());
  ASSERT_EQ((*merged)->size(), 1u);
  EXPECT_EQ((*merged)->front().maxPods, 4 * (15 - 1) + 2);
  EXPECT_EQ((*merged)->front().gpu->name, "A10G");
}

TEST_F(LiveCatalogMergeTest, InvalidOptionsAreRejected) {
  CatalogOptions bad;
  bad.spotPriceFraction = 0;
  auto merged = mergeLiveCatalog({}, bundled_.get(), bad);
  ASSERT_FALSE(merged.has_value());
  EXPECT_TRUE(merged.error().isInvalid());
}

}  // namespace
}  // namespace gantry::cloudprovider::aws
