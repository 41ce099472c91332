// LiveCatalog's refresh schedule and failure handling over a stateful fake Ec2Api and
// PricingApi, stepped by a fake clock: what is called when, what survives a failed refresh,
// the Pricing fallback and skip switch, and one refresh shared by concurrent readers.
#include "cloudprovider/aws/live_catalog.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "tests/fakes/fake_clock.h"

namespace gantry::cloudprovider::aws {
namespace {

using std::chrono::hours;
using std::chrono::minutes;

// Serves the catalog calls from fixed data, counts them, and fails the next N calls of one
// kind on request. Every other EC2 call is kUnimplemented: the catalog must not make them.
class FakeCatalogEc2Api final : public Ec2Api {
 public:
  std::vector<InstanceTypeInfo> types;
  std::vector<InstanceTypeOffering> offerings;
  double spotPrice = 0.2;
  std::atomic<int> typeCalls{0}, offeringCalls{0}, spotCalls{0};
  std::atomic<int> failTypes{0}, failSpot{0};

  Result<std::vector<InstanceTypeInfo>> describeInstanceTypes(
      const DescribeInstanceTypesRequest&) override {
    ++typeCalls;
    if (failTypes > 0) {
      --failTypes;
      return fail(Status::unavailable("EC2 DescribeInstanceTypes: injected"));
    }
    return types;
  }
  Result<std::vector<InstanceTypeOffering>> describeInstanceTypeOfferings(
      const DescribeInstanceTypeOfferingsRequest& request) override {
    ++offeringCalls;
    EXPECT_EQ(request.locationType, "availability-zone");
    return offerings;
  }
  Result<std::vector<SpotPrice>> describeSpotPriceHistory(
      const DescribeSpotPriceHistoryRequest& request) override {
    ++spotCalls;
    if (failSpot > 0) {
      --failSpot;
      return fail(Status::throttled("EC2 DescribeSpotPriceHistory: injected"));
    }
    EXPECT_TRUE(request.startTime.has_value());
    std::vector<SpotPrice> out;
    for (const auto& filter : request.filters) {
      EXPECT_EQ(filter.name, "availability-zone");
      for (const auto& zone : filter.values) {
        for (const auto& o : offerings) {
          if (o.location == zone) {
            out.push_back({.instanceType = o.instanceType,
                           .availabilityZone = zone,
                           .price = spotPrice,
                           .timestamp = request.startTime});
          }
        }
      }
    }
    return out;
  }

  Result<CreateFleetResponse> createFleet(const CreateFleetRequest&) override { return no(); }
  Result<std::vector<Instance>> runInstances(const RunInstancesRequest&) override { return no(); }
  Result<std::vector<InstanceStateChange>> terminateInstances(
      const TerminateInstancesRequest&) override {
    return no();
  }
  Result<std::vector<Instance>> describeInstances(const DescribeInstancesRequest&) override {
    return no();
  }
  Result<std::vector<Subnet>> describeSubnets(const DescribeByIdsRequest&) override { return no(); }
  Result<std::vector<SecurityGroup>> describeSecurityGroups(const DescribeByIdsRequest&) override {
    return no();
  }
  Result<std::vector<Image>> describeImages(const DescribeByIdsRequest&) override { return no(); }
  Status createTags(const std::vector<std::string>&, const std::vector<Tag>&) override {
    return Status::unimplemented("not a catalog call");
  }
  Result<LaunchTemplate> createLaunchTemplate(const CreateLaunchTemplateRequest&) override {
    return no();
  }
  Result<std::vector<LaunchTemplate>> describeLaunchTemplates(
      const DescribeLaunchTemplatesRequest&) override {
    return no();
  }

 private:
  static std::unexpected<Status> no() {
    ADD_FAILURE() << "the live catalog made a non-catalog EC2 call";
    return fail(Status::unimplemented("not a catalog call"));
  }
};

class FakePricingApi final : public PricingApi {
 public:
  OnDemandPrices prices{{"m5.large", 0.1}};
  std::atomic<int> calls{0};
  std::atomic<int> failNext{0};
  Result<OnDemandPrices> onDemandPrices(std::string_view region) override {
    ++calls;
    EXPECT_EQ(region, "us-east-1");
    if (failNext > 0) {
      --failNext;
      return fail(Status::forbidden("Pricing GetProducts: AccessDeniedException: injected"));
    }
    return prices;
  }
};

class LiveCatalogTest : public ::testing::Test {
 protected:
  LiveCatalogTest() {
    ec2_.types = {{.instanceType = "m5.large",
                   .currentGeneration = true,
                   .hypervisor = "nitro",
                   .supportedUsageClasses = {"on-demand", "spot"},
                   .supportedArchitectures = {"x86_64"},
                   .defaultVCpus = 2,
                   .memoryMiB = 8192}};
    for (const char* zone : {"us-east-1a", "us-east-1b"}) {
      ec2_.offerings.push_back(
          {.instanceType = "m5.large", .locationType = "availability-zone", .location = zone});
    }
  }

  LiveCatalog make(bool skipPricing = false) {
    return LiveCatalog({.region = "us-east-1", .skipPricing = skipPricing}, ec2_, &pricing_,
                       clock_);
  }

  static double onDemandPrice(const api::InstanceTypesPtr& types) {
    return types->front().offerings.front().pricePerHour;
  }

  FakeClock clock_;
  FakeCatalogEc2Api ec2_;
  FakePricingApi pricing_;
};

TEST_F(LiveCatalogTest, FirstReadFetchesEverythingAndLaterReadsFollowTheSchedule) {
  LiveCatalog catalog = make();
  EXPECT_EQ(catalog.snapshot(), nullptr);  // nothing fetched before the first read
  EXPECT_EQ(ec2_.typeCalls, 0);

  auto first = catalog.instanceTypes();
  ASSERT_TRUE(first.has_value()) << first.error().toString();
  ASSERT_EQ((*first)->size(), 1u);
  EXPECT_EQ(ec2_.typeCalls, 1);
  EXPECT_EQ(ec2_.offeringCalls, 1);
  EXPECT_EQ(ec2_.spotCalls, 2);  // one per zone
  EXPECT_EQ(pricing_.calls, 1);
  const auto& offerings = (*first)->front().offerings;
  ASSERT_EQ(offerings.size(), 4u);
  EXPECT_DOUBLE_EQ(offerings[0].pricePerHour, 0.1);
  EXPECT_DOUBLE_EQ(offerings[1].pricePerHour, 0.2);
  EXPECT_FALSE(offerings[1].priceEstimated);

  clock_.advance(minutes(59));
  auto cached = catalog.instanceTypes();
  ASSERT_TRUE(cached.has_value());
  EXPECT_EQ(cached->get(), first->get());  // the same immutable snapshot
  EXPECT_EQ(ec2_.typeCalls, 1);

  clock_.advance(minutes(1));  // one hour: types and spot, not on-demand prices
  ec2_.spotPrice = 0.25;
  auto hourly = catalog.instanceTypes();
  ASSERT_TRUE(hourly.has_value());
  EXPECT_EQ(ec2_.typeCalls, 2);
  EXPECT_EQ(ec2_.spotCalls, 4);
  EXPECT_EQ(pricing_.calls, 1);
  EXPECT_DOUBLE_EQ((*hourly)->front().offerings[1].pricePerHour, 0.25);
  EXPECT_DOUBLE_EQ((*first)->front().offerings[1].pricePerHour, 0.2);  // old snapshot intact

  clock_.advance(hours(11));
  pricing_.prices["m5.large"] = 0.11;
  auto twelve = catalog.instanceTypes();
  ASSERT_TRUE(twelve.has_value());
  EXPECT_EQ(pricing_.calls, 2);
  EXPECT_DOUBLE_EQ(onDemandPrice(*twelve), 0.11);
}

TEST_F(LiveCatalogTest, NoCatalogYetReturnsTheError) {
  LiveCatalog catalog = make();
  ec2_.failTypes = 1;
  auto types = catalog.instanceTypes();
  ASSERT_FALSE(types.has_value());
  EXPECT_TRUE(types.error().isUnavailable()) << types.error().toString();
  EXPECT_EQ(pricing_.calls, 0);  // prices wait until we know what exists
  EXPECT_EQ(catalog.snapshot(), nullptr);

  auto tooSoon = catalog.instanceTypes();  // retried after retryAfterFailure, not at once
  EXPECT_FALSE(tooSoon.has_value());
  EXPECT_EQ(ec2_.typeCalls, 1);
  clock_.advance(minutes(1));
  auto later = catalog.instanceTypes();
  ASSERT_TRUE(later.has_value()) << later.error().toString();
  EXPECT_TRUE(catalog.lastError().isOk());
}

TEST_F(LiveCatalogTest, FailedRefreshKeepsTheLastGoodCatalog) {
  LiveCatalog catalog = make();
  auto good = catalog.instanceTypes();
  ASSERT_TRUE(good.has_value());
  clock_.advance(hours(1));
  ec2_.failTypes = 1;
  ec2_.types.clear();  // would empty the catalog, had the call succeeded
  auto kept = catalog.instanceTypes();
  ASSERT_TRUE(kept.has_value()) << kept.error().toString();
  EXPECT_EQ((*kept)->size(), 1u);
  EXPECT_TRUE(catalog.lastError().isUnavailable());
  EXPECT_EQ(catalog.refresh().code(), StatusCode::kOk);  // forced: succeeds, now empty
  EXPECT_TRUE(catalog.snapshot()->empty());
  EXPECT_TRUE(catalog.lastError().isOk());
}

TEST_F(LiveCatalogTest, PricingFailureFallsBackToBundledPricesAndSpotToEstimates) {
  LiveCatalog catalog = make();
  pricing_.failNext = 1;
  ec2_.failSpot = 1;
  auto types = catalog.instanceTypes();
  ASSERT_TRUE(types.has_value()) << types.error().toString();
  EXPECT_DOUBLE_EQ(onDemandPrice(*types), 0.096);  // bundled us-east-1 m5.large
  EXPECT_TRUE((*types)->front().offerings[1].priceEstimated);
  EXPECT_TRUE(catalog.lastError().isForbidden()) << catalog.lastError().toString();

  clock_.advance(minutes(1));  // both retried after retryAfterFailure, not after 12 h
  auto recovered = catalog.instanceTypes();
  ASSERT_TRUE(recovered.has_value());
  EXPECT_DOUBLE_EQ(onDemandPrice(*recovered), 0.1);
  EXPECT_FALSE((*recovered)->front().offerings[1].priceEstimated);
  EXPECT_TRUE(catalog.lastError().isOk());
}

TEST_F(LiveCatalogTest, RefreshReportsTheFirstFailedPart) {
  LiveCatalog catalog = make();
  ec2_.failSpot = 1;
  Status status = catalog.refresh();
  EXPECT_TRUE(status.isThrottled()) << status.toString();
  ASSERT_NE(catalog.snapshot(), nullptr);  // types and prices made it in regardless
  EXPECT_EQ(catalog.snapshot()->size(), 1u);
}

TEST_F(LiveCatalogTest, SkipPricingNeverCallsPricing) {
  LiveCatalog catalog = make(/*skipPricing=*/true);
  auto types = catalog.instanceTypes();
  ASSERT_TRUE(types.has_value());
  clock_.advance(hours(24));
  ASSERT_TRUE(catalog.refresh().isOk());
  EXPECT_EQ(pricing_.calls, 0);
  EXPECT_DOUBLE_EQ(onDemandPrice(*types), 0.096);
}

TEST_F(LiveCatalogTest, ConcurrentReadersShareOneRefresh) {
  LiveCatalog catalog = make();
  std::vector<std::thread> readers;
  std::atomic<int> ok{0};
  for (int i = 0; i < 8; ++i) {
    readers.emplace_back([&] {
      for (int j = 0; j < 50; ++j) {
        if (catalog.instanceTypes().has_value()) ++ok;
        (void)catalog.snapshot();
      }
    });
  }
  for (auto& t : readers) t.join();
  EXPECT_EQ(ok, 400);
  EXPECT_EQ(ec2_.typeCalls, 1);
  EXPECT_EQ(pricing_.calls, 1);
}

}  // namespace
}  // namespace gantry::cloudprovider::aws
