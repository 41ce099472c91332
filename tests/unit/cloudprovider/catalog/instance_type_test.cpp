// Tests of InstanceType's own behaviour (cloudprovider/instance_type.cpp): capacity-type names,
// per-offering labels and the cheapest available price.
#include "src/api/instance_type.h"

#include <gtest/gtest.h>

#include "src/api/well_known_labels.h"

namespace gantry::api {
namespace {

TEST(CapacityType, NamesRoundTrip) {
  EXPECT_EQ(capacityTypeName(CapacityType::kOnDemand), "on-demand");
  EXPECT_EQ(capacityTypeName(CapacityType::kSpot), "spot");
  EXPECT_EQ(parseCapacityType("on-demand").value(), CapacityType::kOnDemand);
  EXPECT_EQ(parseCapacityType("spot").value(), CapacityType::kSpot);
}

TEST(CapacityType, UnknownNameIsInvalid) {
  auto parsed = parseCapacityType("reserved");
  ASSERT_FALSE(parsed.has_value());
  EXPECT_TRUE(parsed.error().isInvalid());
  EXPECT_NE(parsed.error().message().find("reserved"), std::string::npos);
  EXPECT_FALSE(parseCapacityType("Spot").has_value()) << "label values are case-sensitive";
}

TEST(InstanceTypeLabelsFor, DerivesRegionFromZone) {
  InstanceType type;
  type.labels = {{std::string(label::kInstanceType), "m5.large"}};
  const struct {
    std::string zone;
    std::string region;
  } cases[] = {
      {"us-east-1a", "us-east-1"},
      {"ap-southeast-1c", "ap-southeast-1"},
      {"us-gov-west-1b", "us-gov-west-1"},
      {"us-east-1-bos-1a", "us-east-1"},  // Local Zone
  };
  for (const auto& c : cases) {
    Offering offering{.zone = c.zone, .capacityType = CapacityType::kOnDemand};
    Labels labels = type.labelsFor(offering);
    EXPECT_EQ(labels.at(std::string(label::kRegion)), c.region) << c.zone;
    EXPECT_EQ(labels.at(std::string(label::kZone)), c.zone);
    EXPECT_EQ(labels.at(std::string(label::kCapacityType)), "on-demand");
    EXPECT_EQ(labels.at(std::string(label::kKarpenterCapacityType)), "on-demand");
    EXPECT_EQ(labels.at(std::string(label::kInstanceType)), "m5.large");
  }
}

TEST(InstanceTypeCheapestPrice, IgnoresUnavailableOfferings) {
  InstanceType type;
  EXPECT_FALSE(type.cheapestPrice().has_value());
  type.offerings = {
      {.zone = "us-east-1a", .capacityType = CapacityType::kOnDemand, .pricePerHour = 1.0},
      {.zone = "us-east-1a",
       .capacityType = CapacityType::kSpot,
       .pricePerHour = 0.2,
       .available = false},
      {.zone = "us-east-1b", .capacityType = CapacityType::kSpot, .pricePerHour = 0.3},
  };
  ASSERT_TRUE(type.cheapestPrice().has_value());
  EXPECT_DOUBLE_EQ(*type.cheapestPrice(), 0.3);
  for (Offering& o : type.offerings) o.available = false;
  EXPECT_FALSE(type.cheapestPrice().has_value());
}

}  // namespace
}  // namespace gantry::api
