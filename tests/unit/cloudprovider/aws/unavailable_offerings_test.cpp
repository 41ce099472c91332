// The unavailable-offerings cache: marks per (capacity type, type, zone), expiry on the fake
// clock, re-marking extends, overlay on a catalog, and capacity error code recognition.
#include "cloudprovider/aws/unavailable_offerings.h"

#include <gtest/gtest.h>

#include <thread>

#include "tests/fakes/fake_clock.h"

namespace gantry::cloudprovider::aws {
namespace {

using api::CapacityType;

TEST(UnavailableOfferingsTest, MarkExpiresAfterTtlAndRemarkExtends) {
  FakeClock clock;
  UnavailableOfferings cache(clock, std::chrono::minutes(3));
  cache.mark(CapacityType::kSpot, "g5.xlarge", "us-east-1a", "InsufficientInstanceCapacity");
  EXPECT_TRUE(cache.isUnavailable(CapacityType::kSpot, "g5.xlarge", "us-east-1a"));
  EXPECT_FALSE(cache.isUnavailable(CapacityType::kOnDemand, "g5.xlarge", "us-east-1a"));
  EXPECT_FALSE(cache.isUnavailable(CapacityType::kSpot, "g5.xlarge", "us-east-1b"));
  EXPECT_FALSE(cache.isUnavailable(CapacityType::kSpot, "g5.2xlarge", "us-east-1a"));

  clock.advance(std::chrono::minutes(2));
  cache.mark(CapacityType::kSpot, "g5.xlarge", "us-east-1a", "again");
  clock.advance(std::chrono::minutes(2));
  EXPECT_TRUE(cache.isUnavailable(CapacityType::kSpot, "g5.xlarge", "us-east-1a"));
  clock.advance(std::chrono::minutes(1));
  EXPECT_FALSE(cache.isUnavailable(CapacityType::kSpot, "g5.xlarge", "us-east-1a"));
  EXPECT_EQ(cache.size(), 0u);
}

TEST(UnavailableOfferingsTest, ApplyMarksOnlyTheMatchingOfferings) {
  FakeClock clock;
  UnavailableOfferings cache(clock);
  api::InstanceType t;
  t.name = "m5.large";
  t.offerings = {{.zone = "us-east-1a", .capacityType = CapacityType::kOnDemand},
                 {.zone = "us-east-1a", .capacityType = CapacityType::kSpot},
                 {.zone = "us-east-1b", .capacityType = CapacityType::kOnDemand}};
  cache.mark(CapacityType::kSpot, "m5.large", "us-east-1a", "x");
  auto out = cache.apply({t});
  EXPECT_TRUE(out[0].offerings[0].available);
  EXPECT_FALSE(out[0].offerings[1].available);
  EXPECT_TRUE(out[0].offerings[2].available);
  cache.clear();
  EXPECT_TRUE(cache.apply({t})[0].offerings[1].available);
}

TEST(UnavailableOfferingsTest, ConcurrentMarksAndReadsAreSafe) {
  FakeClock clock;
  UnavailableOfferings cache(clock);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 500; ++i) {
        const std::string type = "t" + std::to_string(i % 50);
        cache.mark(CapacityType::kOnDemand, type, "z" + std::to_string(t), "x");
        (void)cache.isUnavailable(CapacityType::kOnDemand, type, "z0");
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(cache.size(), 200u);
}

TEST(UnavailableOfferingsTest, RecognisesCapacityErrorCodes) {
  for (const char* code : {"InsufficientInstanceCapacity", "MaxSpotInstanceCountExceeded",
                           "VcpuLimitExceeded", "UnfulfillableCapacity", "Unsupported",
                           "InsufficientFreeAddressesInSubnet"}) {
    EXPECT_TRUE(isCapacityErrorCode(code)) << code;
  }
  EXPECT_FALSE(isCapacityErrorCode("InvalidParameterValue"));
  EXPECT_EQ(capacityErrorCodeIn("EC2 RunInstances: VcpuLimitExceeded: You have requested more"),
            "VcpuLimitExceeded");
  EXPECT_EQ(capacityErrorCodeIn("EC2 RunInstances: Unsupported: not in this zone"), "Unsupported");
  EXPECT_EQ(capacityErrorCodeIn("EC2 CreateFleet: UnsupportedOperation: no"), "");
  EXPECT_EQ(capacityErrorCodeIn("EC2 RunInstances: AuthFailure: bad"), "");
}

}  // namespace
}  // namespace gantry::cloudprovider::aws
