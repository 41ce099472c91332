// The bundled catalog loader's contract: other regions and their estimated prices, unknown
// regions, options and what they change, deterministic builds, and the build time.
#include "cloudprovider/catalog/bundled_catalog.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <iostream>

#include "src/api/well_known_labels.h"

namespace gantry::cloudprovider {
namespace {

using api::InstanceType;
using api::Quantity;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
namespace resource = api::resource;
namespace label = api::label;

Quantity mebibytes(int64_t mib) {
  return Quantity::fromValue(mib << 20, Quantity::Format::kBinarySI);
}

Quantity gibibytes(int64_t gib) {
  return Quantity::fromValue(gib << 30, Quantity::Format::kBinarySI);
}

TEST(BundledCatalog, OtherRegionsReuseUsEast1PricesAsEstimates) {
  auto built = bundledInstanceTypes("eu-west-1");
  ASSERT_TRUE(built.has_value()) << built.error().toString();
  const auto& types = **built;
  auto it = std::find_if(types.begin(), types.end(),
                         [](const InstanceType& t) { return t.name == "g4dn.xlarge"; });
  ASSERT_NE(it, types.end());
  ASSERT_FALSE(it->offerings.empty());
  for (const api::Offering& o : it->offerings) {
    EXPECT_TRUE(o.zone.starts_with("eu-west-1")) << o.zone;
    EXPECT_TRUE(o.priceEstimated);
  }
  EXPECT_DOUBLE_EQ(it->offerings[0].pricePerHour, 0.526);
  EXPECT_EQ(it->labelsFor(it->offerings[0]).at(std::string(label::kRegion)), "eu-west-1");
}

TEST(BundledCatalog, UnknownRegionIsInvalidAndListsKnownRegions) {
  auto built = bundledInstanceTypes("mars-north-1");
  ASSERT_FALSE(built.has_value());
  EXPECT_TRUE(built.error().isInvalid());
  EXPECT_THAT(built.error().message(), HasSubstr("mars-north-1"));
  for (const std::string& region : bundledRegions()) {
    EXPECT_THAT(built.error().message(), HasSubstr(region));
  }
  EXPECT_THAT(bundledRegions(),
              ElementsAre("ap-southeast-1", "eu-west-1", "us-east-1", "us-west-2"));
}

TEST(BundledCatalog, InvalidOptionsAreRejected) {
  CatalogOptions options;
  options.vmMemoryOverheadPercent = 1.5;
  auto built = bundledInstanceTypes("us-east-1", options);
  ASSERT_FALSE(built.has_value());
  EXPECT_TRUE(built.error().isInvalid());
  EXPECT_THAT(built.error().message(), HasSubstr("vmMemoryOverheadPercent"));
}

TEST(BundledCatalog, OptionsChangeMemoryStorageAndSpotPrice) {
  CatalogOptions options;
  options.vmMemoryOverheadPercent = 0;
  options.rootVolumeBytes = int64_t{100} << 30;
  options.spotPriceFraction = 0.5;
  auto built = bundledInstanceTypes("us-east-1", options);
  ASSERT_TRUE(built.has_value());
  auto it = std::find_if((*built)->begin(), (*built)->end(),
                         [](const InstanceType& t) { return t.name == "g4dn.xlarge"; });
  ASSERT_NE(it, (*built)->end());
  EXPECT_EQ(it->capacity.get(resource::kMemory), mebibytes(16384));
  // 100Gi - 1Gi kube-reserved - 10Gi eviction.
  EXPECT_EQ(it->allocatable().get(resource::kEphemeralStorage), gibibytes(89));
  EXPECT_DOUBLE_EQ(it->offerings[1].pricePerHour, 0.263);
}

TEST(BundledCatalog, BuildsAreDeterministic) {
  auto first = bundledInstanceTypes("us-west-2");
  auto second = bundledInstanceTypes("us-west-2");
  ASSERT_TRUE(first.has_value() && second.has_value());
  ASSERT_EQ((*first)->size(), (*second)->size());
  for (size_t i = 0; i < (*first)->size(); ++i) {
    const InstanceType& a = (**first)[i];
    const InstanceType& b = (**second)[i];
    ASSERT_EQ(a.name, b.name);
    EXPECT_EQ(a.capacity, b.capacity) << a.name;
    EXPECT_EQ(a.overhead, b.overhead) << a.name;
    EXPECT_EQ(a.labels, b.labels) << a.name;
    ASSERT_EQ(a.offerings.size(), b.offerings.size()) << a.name;
    for (size_t j = 0; j < a.offerings.size(); ++j) {
      EXPECT_EQ(a.offerings[j].zone, b.offerings[j].zone);
      EXPECT_EQ(a.offerings[j].capacityType, b.offerings[j].capacityType);
      EXPECT_EQ(a.offerings[j].pricePerHour, b.offerings[j].pricePerHour);
    }
  }
}

// Not a benchmark and no assertion on time: prints how long `gantry plan` spends building the
// catalog, so a regression is visible in test logs.
TEST(BundledCatalog, ReportsUsEast1BuildTime) {
  constexpr int kRounds = 5;
  const auto start = std::chrono::steady_clock::now();
  size_t types = 0;
  for (int i = 0; i < kRounds; ++i) {
    auto built = bundledInstanceTypes("us-east-1");
    ASSERT_TRUE(built.has_value());
    types = (*built)->size();
  }
  const auto elapsed = std::chrono::steady_clock::now() - start;
  const double ms = std::chrono::duration<double, std::milli>(elapsed).count() / kRounds;
  std::cout << "[ catalog  ] us-east-1: " << types << " instance types built in " << ms
            << " ms (mean of " << kRounds << ")\n";
}

}  // namespace
}  // namespace gantry::cloudprovider
