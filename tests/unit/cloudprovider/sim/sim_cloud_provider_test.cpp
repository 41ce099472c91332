// The simulated cloud: launch latency per class, the cheapest allowed offering, capacity-error
// windows that fail like EC2 and fall through to the next offering, spot price overrides,
// seeded spot interruptions, costs, and byte-identical results for the same seed.
#include "cloudprovider/sim/sim_cloud_provider.h"

#include <gtest/gtest.h>

#include <sstream>

#include "cloudprovider/catalog/bundled_catalog.h"
#include "tests/fakes/fake_clock.h"

namespace gantry::cloudprovider::sim {
namespace {

using namespace std::chrono_literals;
using api::CapacityType;

api::Offering od(std::string zone, double price) {
  return {std::move(zone), CapacityType::kOnDemand, price};
}
api::Offering spot(std::string zone, double price) {
  return {std::move(zone), CapacityType::kSpot, price};
}

api::InstanceType type(std::string name, std::vector<api::Offering> offerings, bool gpu = false) {
  api::InstanceType t;
  t.name = std::move(name);
  t.offerings = std::move(offerings);
  if (gpu) t.gpu = api::GpuSpec{"NVIDIA", "A10G", 1, 24576};
  return t;
}

// c.large: on-demand 0.10 in a and b, spot 0.03 (a) and 0.04 (b); g.xlarge (GPU): on-demand
// 1.00, spot 0.30 in a; m.large: on-demand 0.12 in a, no spot.
api::InstanceTypesPtr catalog() {
  return std::make_shared<const api::InstanceTypes>(api::InstanceTypes{
      type("c.large",
           {od("zone-a", 0.10), od("zone-b", 0.10), spot("zone-a", 0.03), spot("zone-b", 0.04)}),
      type("g.xlarge", {od("zone-a", 1.00), spot("zone-a", 0.30)}, true),
      type("m.large", {od("zone-a", 0.12)}),
  });
}

// The catalog type `name` with only the offerings of `capacityType` (what a NodeClaim allows).
api::InstanceType allowed(const std::string& name, std::optional<CapacityType> capacityType = {}) {
  const auto all = catalog();  // held: a temporary in the range would die before the loop
  for (auto t : *all) {
    if (t.name != name) continue;
    if (capacityType)
      std::erase_if(t.offerings, [&](const auto& o) { return o.capacityType != *capacityType; });
    return t;
  }
  ADD_FAILURE() << "no type " << name;
  return {};
}

CreateRequest request(std::string claim, std::vector<api::InstanceType> types) {
  return {.nodeClaimName = std::move(claim),
          .nodePoolName = "pool",
          .nodeClassRef = {.group = "gantry.dev", .kind = "SimNodeClass", .name = "default"},
          .instanceTypes = std::move(types)};
}

class SimCloudTest : public ::testing::Test {
 protected:
  SimCloudProviderPtr make(SimCloudOptions options = {}) {
    auto p = SimCloudProvider::make(std::move(options), clock_, catalog());
    EXPECT_TRUE(p.has_value()) << p.error().toString();
    return std::move(*p);
  }
  FakeClock clock_;
  const Clock::TimePoint t0_ = clock_.now();
};

TEST_F(SimCloudTest, CpuInstanceIsPendingFor45SecondsThenRunning) {
  auto cloud = make();
  auto i = cloud->create(request("claim-1", {allowed("c.large", CapacityType::kOnDemand)}));
  ASSERT_TRUE(i.has_value()) << i.error().toString();
  EXPECT_EQ(i->state, "pending");
  EXPECT_EQ(i->launchTime, t0_);
  clock_.advance(44s);
  EXPECT_EQ(cloud->get(i->providerId)->state, "pending");
  clock_.advance(1s);
  EXPECT_EQ(cloud->get(i->providerId)->state, "running");
}

TEST_F(SimCloudTest, GpuInstanceTakes90SecondsAndLatencyIsConfigurable) {
  auto cloud = make();
  auto g = cloud->create(request("gpu", {allowed("g.xlarge", CapacityType::kOnDemand)}));
  ASSERT_TRUE(g.has_value());
  EXPECT_EQ(cloud->nextEventAfter(t0_), t0_ + 90s);
  clock_.advance(89s);
  EXPECT_EQ(cloud->get(g->providerId)->state, "pending");
  clock_.advance(1s);
  EXPECT_EQ(cloud->get(g->providerId)->state, "running");

  auto fast = make({.cpuLaunchLatency = 5s, .gpuLaunchLatency = 7s});
  const auto now = clock_.now();
  ASSERT_TRUE(fast->create(request("c", {allowed("c.large")})).has_value());
  ASSERT_TRUE(fast->create(request("g", {allowed("g.xlarge")})).has_value());
  EXPECT_EQ(fast->nextEventAfter(now), now + 5s);
  EXPECT_EQ(fast->nextEventAfter(now + 5s), now + 7s);
  EXPECT_EQ(fast->nextEventAfter(now + 7s), std::nullopt);
}

TEST_F(SimCloudTest, PicksTheCheapestAllowedOfferingPreferringSpot) {
  auto cloud = make();
  auto onDemand = cloud->create(request("od", {allowed("m.large", CapacityType::kOnDemand),
                                               allowed("c.large", CapacityType::kOnDemand)}));
  ASSERT_TRUE(onDemand.has_value());
  EXPECT_EQ(onDemand->instanceType, "c.large");
  EXPECT_EQ(onDemand->zone, "zone-a");  // 0.10 in a and b: the first offering wins the tie
  EXPECT_EQ(onDemand->capacityType, CapacityType::kOnDemand);
  EXPECT_DOUBLE_EQ(onDemand->pricePerHour, 0.10);
  EXPECT_EQ(onDemand->providerId, "sim:///zone-a/i-00000000000000001");
  EXPECT_EQ(onDemand->nodePoolName, "pool");

  auto any =
      cloud->create(request("any", {allowed("m.large"), allowed("c.large"), allowed("g.xlarge")}));
  ASSERT_TRUE(any.has_value());
  EXPECT_EQ(any->instanceType, "c.large");
  EXPECT_EQ(any->capacityType, CapacityType::kSpot);
  EXPECT_DOUBLE_EQ(any->pricePerHour, 0.03);
  EXPECT_EQ(any->instanceId, "i-00000000000000002");
}

TEST_F(SimCloudTest, CapacityWindowFallsToTheNextCheapestOfferingAndMarksItUnavailable) {
  auto cloud = make({.capacityErrors = {{.instanceType = "c.large",
                                         .zone = "zone-a",
                                         .from = t0_ + 10min,
                                         .until = t0_ + 20min}}});
  clock_.set(t0_ + 10min);
  auto i = cloud->create(request("claim", {allowed("c.large", CapacityType::kSpot)}));
  ASSERT_TRUE(i.has_value()) << i.error().toString();
  EXPECT_EQ(i->zone, "zone-b");
  EXPECT_DOUBLE_EQ(i->pricePerHour, 0.04);

  auto types = cloud->instanceTypes();
  ASSERT_TRUE(types.has_value());
  for (const auto& o : (*types)->front().offerings) {
    const bool failed = o.zone == "zone-a" && o.capacityType == CapacityType::kSpot;
    EXPECT_EQ(o.available, !failed) << o.zone << " " << api::capacityTypeName(o.capacityType);
  }
  clock_.advance(3min);  // the unavailable-offerings TTL
  for (const auto& o : (*cloud->instanceTypes())->front().offerings) EXPECT_TRUE(o.available);
}

TEST_F(SimCloudTest, EveryAllowedOfferingBlockedIsInsufficientCapacityLikeEc2) {
  auto cloud =
      make({.capacityErrors = {{.instanceType = "g.xlarge", .from = t0_ + 1h, .until = t0_ + 2h}}});
  clock_.set(t0_ + 1h);
  auto r = cloud->create(request("claim", {allowed("g.xlarge", CapacityType::kOnDemand)}));
  ASSERT_FALSE(r.has_value());
  EXPECT_TRUE(r.error().isInsufficientCapacity());
  EXPECT_EQ(
      r.error().message(),
      "no capacity for types [g.xlarge]: g.xlarge/zone-a/on-demand: InsufficientInstanceCapacity");
  // Marked unavailable, so a retry within the TTL has nothing left to try.
  auto retry = cloud->create(request("claim", {allowed("g.xlarge", CapacityType::kOnDemand)}));
  ASSERT_FALSE(retry.has_value());
  EXPECT_TRUE(retry.error().isInsufficientCapacity());
  EXPECT_NE(retry.error().message().find("every allowed offering is unavailable"),
            std::string::npos);
  EXPECT_TRUE(cloud->list()->empty());

  clock_.set(t0_ + 2h);  // the window is [from, until)
  EXPECT_TRUE(
      cloud->create(request("claim", {allowed("g.xlarge", CapacityType::kOnDemand)})).has_value());
  clock_.set(t0_);  // before the window opened (a fresh provider: nothing marked)
  auto early =
      make({.capacityErrors = {{.instanceType = "g.xlarge", .from = t0_ + 1h, .until = t0_ + 2h}}});
  EXPECT_TRUE(early->create(request("claim", {allowed("g.xlarge")})).has_value());
}

TEST_F(SimCloudTest, SpotPriceRatioOverridesTheCatalogSpotPrices) {
  auto cloud = make({.spotPriceRatio = 0.5});
  const auto& offerings = (*cloud->instanceTypes())->front().offerings;
  EXPECT_DOUBLE_EQ(offerings[2].pricePerHour, 0.05);  // c.large spot zone-a: 0.10 x 0.5
  EXPECT_DOUBLE_EQ(offerings[3].pricePerHour, 0.05);
  auto i = cloud->create(request("claim", {allowed("c.large", CapacityType::kSpot)}));
  ASSERT_TRUE(i.has_value());
  EXPECT_DOUBLE_EQ(i->pricePerHour, 0.05);
  EXPECT_EQ(i->zone, "zone-a");

  EXPECT_FALSE(SimCloudProvider::make({.spotPriceRatio = 0.0}, clock_, catalog()).has_value());
  EXPECT_FALSE(SimCloudProvider::make({.spotPriceRatio = 1.5}, clock_, catalog()).has_value());
}

TEST_F(SimCloudTest, RefusesCapacityWindowsOnUnknownTypesOrInverted) {
  auto unknown =
      SimCloudProvider::make({.capacityErrors = {{.instanceType = "p9.huge"}}}, clock_, catalog());
  ASSERT_FALSE(unknown.has_value());
  EXPECT_EQ(unknown.error().message(),
            "capacityErrors[0].instanceType: \"p9.huge\" is not in the catalog");
  auto inverted = SimCloudProvider::make(
      {.capacityErrors = {{.instanceType = "c.large", .from = t0_ + 1h, .until = t0_}}}, clock_,
      catalog());
  ASSERT_FALSE(inverted.has_value());
  EXPECT_EQ(inverted.error().message(), "capacityErrors[0].until must be after from");
}

TEST_F(SimCloudTest, CreateIsIdempotentPerClaimAndDeleteIsRepeatableUntilGone) {
  auto cloud = make();
  auto a = cloud->create(request("claim", {allowed("c.large")}));
  auto b = cloud->create(request("claim", {allowed("m.large")}));
  ASSERT_TRUE(a.has_value() && b.has_value());
  EXPECT_EQ(a->providerId, b->providerId);
  EXPECT_EQ(cloud->list()->size(), 1u);

  clock_.advance(90min);
  EXPECT_TRUE(cloud->deleteInstance(a->providerId).isOk());
  EXPECT_TRUE(cloud->deleteInstance(a->providerId).isNotFound());
  EXPECT_TRUE(cloud->get(a->providerId).error().isNotFound());
  EXPECT_TRUE(cloud->list()->empty());
  EXPECT_TRUE(cloud->deleteInstance("aws:///zone-a/i-1").isInvalid());
  EXPECT_TRUE(cloud->deleteInstance("sim:///zone-a/i-9").isNotFound());

  clock_.advance(5h);  // the cost stops at the deletion
  auto costs = cloud->costs(clock_.now());
  ASSERT_EQ(costs.size(), 1u);
  EXPECT_DOUBLE_EQ(costs[0].cost, 0.03 * 1.5);
  EXPECT_EQ(costs[0].endedAt, t0_ + 90min);
}

TEST_F(SimCloudTest, CostsRunFromLaunchToAsOfForLiveInstances) {
  auto cloud = make();
  ASSERT_TRUE(cloud->create(request("a", {allowed("m.large")})).has_value());
  clock_.advance(30min);
  ASSERT_TRUE(
      cloud->create(request("b", {allowed("g.xlarge", CapacityType::kOnDemand)})).has_value());
  EXPECT_DOUBLE_EQ(cloud->totalCost(t0_ + 2h), 0.12 * 2 + 1.00 * 1.5);
  EXPECT_DOUBLE_EQ(cloud->totalCost(t0_), 0.0);  // before b was launched: nothing, not negative
}

TEST_F(SimCloudTest, GroupLaunchesAllInOneOfferingOrNone) {
  auto cloud = make();
  CreateGroupRequest group{.groupName = "gang",
                           .nodeClaimNames = {"w-0", "w-1", "w-2"},
                           .nodePoolName = "pool",
                           .nodeClassRef = {.group = "", .kind = "", .name = "default"},
                           .instanceTypes = {allowed("c.large", CapacityType::kOnDemand)}};
  auto r = cloud->createGroup(group);
  ASSERT_TRUE(r.has_value());
  ASSERT_EQ(r->size(), 3u);
  for (const auto& i : *r) EXPECT_EQ(i.zone, "zone-a");
  EXPECT_EQ((*r)[2].nodeClaimName, "w-2");
  EXPECT_EQ(cloud->createGroup(group)->front().providerId, r->front().providerId);  // idempotent

  auto blocked = make({.capacityErrors = {{.instanceType = "m.large", .from = t0_}}});
  group.groupName = "other";
  group.instanceTypes = {allowed("m.large")};
  EXPECT_TRUE(blocked->createGroup(group).error().isInsufficientCapacity());
  EXPECT_TRUE(blocked->list()->empty());
}

// A scripted day of spot launches, printed: the same seed must print the same bytes.
std::string spotScenario(uint64_t seed) {
  FakeClock clock;
  const auto t0 = clock.now();
  auto cloud =
      *SimCloudProvider::make({.seed = seed, .spotInterruptionsPerHour = 0.5}, clock, catalog());
  for (int i = 0; i < 6; ++i) {
    (void)cloud->create(
        request("claim-" + std::to_string(i), {allowed("c.large"), allowed("g.xlarge")}));
    clock.advance(17min);
  }
  std::ostringstream out;
  for (const auto& s : cloud->interruptedBy(t0 + 24h)) {
    out << s.nodeClaimName << " notice+"
        << std::chrono::duration_cast<std::chrono::milliseconds>(s.noticeAt - t0).count()
        << "ms interrupt+"
        << std::chrono::duration_cast<std::chrono::milliseconds>(s.interruptAt - t0).count()
        << "ms\n";
  }
  out.precision(17);
  out << "cost " << cloud->totalCost(t0 + 24h) << "\n";
  return out.str();
}

TEST(SimCloudSpotTest, InterruptionsAreFixedBySeedAndIdenticalAcrossRuns) {
  const std::string first = spotScenario(42);
  EXPECT_EQ(first, spotScenario(42));
  EXPECT_NE(first, spotScenario(43));
  // Pinned: the generator and distribution code are ours, so these numbers hold on every
  // standard library. A change here changes every simulation's result.
  EXPECT_EQ(first,
            "claim-1 notice+1524076ms interrupt+1644076ms\n"
            "claim-2 notice+2155124ms interrupt+2275124ms\n"
            "claim-3 notice+3724170ms interrupt+3844170ms\n"
            "claim-4 notice+5013604ms interrupt+5133604ms\n"
            "claim-5 notice+6030169ms interrupt+6150169ms\n"
            "claim-0 notice+7152177ms interrupt+7272177ms\n"
            "cost 0.091827666666666669\n");
}

TEST(SimCloudSpotTest, ReclaimedInstanceIsGoneFromItsInterruptTimeAndNoticeComesTwoMinutesEarlier) {
  FakeClock clock;
  const auto t0 = clock.now();
  auto cloud =
      *SimCloudProvider::make({.seed = 1, .spotInterruptionsPerHour = 1}, clock, catalog());
  auto i = cloud->create(request("claim", {allowed("c.large", CapacityType::kSpot)}));
  ASSERT_TRUE(i.has_value());
  auto all = cloud->interruptedBy(t0 + 24h * 3650);
  ASSERT_EQ(all.size(), 1u);
  const auto& s = all.front();
  EXPECT_EQ(s.providerId, i->providerId);
  EXPECT_EQ(s.interruptAt - s.noticeAt, 2min);
  EXPECT_GE(s.noticeAt, t0 + 45s);  // drawn from the moment it runs
  EXPECT_TRUE(cloud->interruptedBy(s.interruptAt - 1ms).empty());
  EXPECT_EQ(cloud->nextEventAfter(t0 + 45s), s.noticeAt);
  clock.set(s.interruptAt - 1ms);
  EXPECT_TRUE(cloud->get(i->providerId).has_value());
  clock.set(s.interruptAt);
  EXPECT_TRUE(cloud->get(i->providerId).error().isNotFound());
  EXPECT_TRUE(cloud->list()->empty());

  // On-demand instances are never reclaimed; a deleted spot instance is not either.
  FakeClock clock2;
  auto other =
      *SimCloudProvider::make({.seed = 1, .spotInterruptionsPerHour = 1}, clock2, catalog());
  auto onDemand = other->create(request("od", {allowed("c.large", CapacityType::kOnDemand)}));
  auto deleted = other->create(request("sp", {allowed("c.large", CapacityType::kSpot)}));
  ASSERT_TRUE(onDemand.has_value() && deleted.has_value());
  ASSERT_TRUE(other->deleteInstance(deleted->providerId).isOk());
  EXPECT_TRUE(other->interruptedBy(clock2.now() + 24h * 3650).empty());
}

TEST(SimCloudSpotTest, InterruptionRateMatchesTheMeanOverManyInstances) {
  FakeClock clock;
  auto cloud =
      *SimCloudProvider::make({.seed = 9, .spotInterruptionsPerHour = 2}, clock, catalog());
  constexpr int kInstances = 4000;
  for (int i = 0; i < kInstances; ++i) {
    ASSERT_TRUE(cloud->create(
        request("c-" + std::to_string(i), {allowed("c.large", CapacityType::kSpot)})));
  }
  double hoursTotal = 0;
  const auto reclaims = cloud->interruptedBy(clock.now() + 24h * 3650);
  ASSERT_EQ(reclaims.size(), static_cast<size_t>(kInstances));
  for (const auto& s : reclaims) {
    hoursTotal +=
        std::chrono::duration<double, std::ratio<3600>>(s.noticeAt - (clock.now() + 45s)).count();
  }
  EXPECT_NEAR(hoursTotal / kInstances, 0.5, 0.025);  // mean 1/rate, within ~3 standard errors
}

TEST(SimCloudBundledTest, UsesTheBundledCatalogOfTheRegion) {
  FakeClock clock;
  auto cloud = SimCloudProvider::makeBundled({}, clock, "us-east-1");
  ASSERT_TRUE(cloud.has_value()) << cloud.error().toString();
  auto types = (*cloud)->instanceTypes();
  ASSERT_TRUE(types.has_value());
  EXPECT_GT((*types)->size(), 100u);
  EXPECT_FALSE(SimCloudProvider::makeBundled({}, clock, "mars-1").has_value());
}

}  // namespace
}  // namespace gantry::cloudprovider::sim
