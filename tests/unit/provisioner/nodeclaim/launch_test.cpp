// The launch step's pure parts (launchCandidates, classifyLaunchError) and a successful
// launch: one cloud create per claim, everything recorded in one pass (labels before the
// status), a success clearing the pair's backoff, and crash safety: a launch whose status
// write failed is recorded by the next pass without a second instance.
#include <gtest/gtest.h>

#include "provisioner/nodeclaim/launch.h"
#include "provisioner/nodeclaim/lifecycle_controller.h"
#include "tests/unit/provisioner/nodeclaim/launch_fixture.h"

namespace gantry::provisioner::nodeclaim {
namespace {

using namespace std::chrono_literals;
using gantry::testing::q;
using testing::inReq;
using testing::launchCatalog;
namespace label = api::label;
namespace nc = api::nodeclaim;

std::vector<std::string> names(const std::vector<api::InstanceType>& types) {
  std::vector<std::string> out;
  for (const auto& t : types) out.push_back(t.name);
  return out;
}

// "zone/capacity-type" per offering.
std::vector<std::string> offerings(const api::InstanceType& t) {
  std::vector<std::string> out;
  for (const auto& o : t.offerings) {
    out.push_back(o.zone + "/" + std::string(api::capacityTypeName(o.capacityType)));
  }
  return out;
}

api::NodeClaim claimWith(std::vector<api::Requirement> requirements) {
  api::NodeClaim c;
  c.name = "c";
  c.requirements = std::move(requirements);
  return c;
}

// --- launchCandidates

TEST(LaunchCandidatesTest, KeepsOnlyTheTypesZonesAndCapacityTypesTheClaimAllows) {
  auto claim = claimWith({inReq(label::kInstanceType, {"g5.xlarge", "g4dn.xlarge"}),
                          inReq(label::kZone, {"us-east-1b"}),
                          inReq(label::kCapacityType, {"spot"})});
  auto out = launchCandidates(claim, launchCatalog());
  // g5.xlarge has no spot offering; m5.large is not allowed.
  ASSERT_EQ(names(out), std::vector<std::string>{"g4dn.xlarge"});
  EXPECT_EQ(offerings(out[0]), std::vector<std::string>{"us-east-1b/spot"});
}

TEST(LaunchCandidatesTest, OnDemandIsTheDefaultWhenNoCapacityTypeIsRequired) {
  auto claim = claimWith({inReq(label::kInstanceType, {"g4dn.xlarge"})});
  auto out = launchCandidates(claim, launchCatalog());
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(offerings(out[0]), (std::vector<std::string>{
                                   "us-east-1a/on-demand", "us-east-1b/on-demand",
                                   "us-east-1c/on-demand"}))
      << "no spot offering without a capacity-type requirement naming spot";
}

TEST(LaunchCandidatesTest, CheapestTypeFirstWhateverTheCatalogOrder) {
  auto out = launchCandidates(claimWith({}), launchCatalog());  // g5, g4dn, m5 in the catalog
  EXPECT_EQ(names(out), (std::vector<std::string>{"m5.large", "g4dn.xlarge", "g5.xlarge"}));
}

TEST(LaunchCandidatesTest, PriceOrderCountsOnlyTheAllowedOfferings) {
  // a.large is cheap only as spot; b.large costs the same on either.
  auto catalog = gantry::testing::makeTypes({
      {.name = "a.large", .cpu = "2", .memory = "8Gi", .price = 1.0, .spot = true},
      {.name = "b.large", .cpu = "2", .memory = "8Gi", .price = 0.6},
  });
  for (auto& o : catalog[0].offerings) {
    if (o.capacityType == api::CapacityType::kSpot) o.pricePerHour = 0.2;
  }
  auto onDemand = claimWith({inReq(label::kCapacityType, {"on-demand"})});
  EXPECT_EQ(names(launchCandidates(onDemand, catalog)),
            (std::vector<std::string>{"b.large", "a.large"}));
  auto either = claimWith({inReq(label::kCapacityType, {"on-demand", "spot"})});
  EXPECT_EQ(names(launchCandidates(either, catalog)),
            (std::vector<std::string>{"a.large", "b.large"}));
}

TEST(LaunchCandidatesTest, UnavailableOfferingsAreDroppedAndATypeWithNoneLeftToo) {
  auto catalog = launchCatalog();
  auto claim = claimWith({inReq(label::kInstanceType, {"g5.xlarge", "g4dn.xlarge"}),
                          inReq(label::kZone, {"us-east-1a", "us-east-1b"})});
  auto markUnavailable = [&](const std::string& zone) {
    for (auto& o : catalog[1].offerings) {  // g4dn.xlarge
      if (o.zone == zone) o.available = false;
    }
  };
  markUnavailable("us-east-1a");
  auto out = launchCandidates(claim, catalog);
  ASSERT_EQ(names(out), (std::vector<std::string>{"g4dn.xlarge", "g5.xlarge"}));
  EXPECT_EQ(offerings(out[0]), std::vector<std::string>{"us-east-1b/on-demand"});

  markUnavailable("us-east-1b");
  EXPECT_EQ(names(launchCandidates(claim, catalog)), std::vector<std::string>{"g5.xlarge"});
}

TEST(LaunchCandidatesTest, EmptyWhenNothingFits) {
  EXPECT_TRUE(launchCandidates(claimWith({inReq(label::kZone, {"us-west-2a"})}), launchCatalog())
                  .empty());
  EXPECT_TRUE(
      launchCandidates(claimWith({inReq(label::kInstanceType, {"p5.48xlarge"})}), launchCatalog())
          .empty());
  EXPECT_TRUE(launchCandidates(claimWith({}), {}).empty());
}

// --- classifyLaunchError

TEST(ClassifyLaunchErrorTest, EveryStatusCodeHasItsKind) {
  const std::vector<std::pair<StatusCode, LaunchFailure>> cases = {
      {StatusCode::kInsufficientCapacity, LaunchFailure::kCapacity},
      {StatusCode::kThrottled, LaunchFailure::kTransient},
      {StatusCode::kUnavailable, LaunchFailure::kTransient},
      {StatusCode::kConflict, LaunchFailure::kTransient},
      {StatusCode::kInvalid, LaunchFailure::kPersistent},
      {StatusCode::kNotFound, LaunchFailure::kPersistent},
      {StatusCode::kAlreadyExists, LaunchFailure::kPersistent},
      {StatusCode::kGone, LaunchFailure::kPersistent},
      {StatusCode::kUnauthorized, LaunchFailure::kPersistent},
      {StatusCode::kForbidden, LaunchFailure::kPersistent},
      {StatusCode::kUnimplemented, LaunchFailure::kPersistent},
      {StatusCode::kInternal, LaunchFailure::kPersistent},
  };
  for (const auto& [code, kind] : cases) {
    EXPECT_EQ(classifyLaunchError(Status(code, "x")), kind) << statusCodeName(code);
  }
}

// --- a successful launch

class LaunchStepTest : public testing::LaunchFixture {};

TEST_F(LaunchStepTest, UnlaunchedClaimGetsOneInstanceRecordedInOnePass) {
  cluster_.putClaim(pendingClaim());

  auto result = reconciler().reconcile("gpu-a");
  ASSERT_TRUE(result) << result.error().toString();
  EXPECT_FALSE(*result) << "registration waits for the Node's informer event";

  ASSERT_EQ(cloud_.creates.size(), 1u);
  const auto& request = cloud_.creates[0];
  EXPECT_EQ(request.nodeClaimName, "gpu-a");
  EXPECT_EQ(request.nodePoolName, "gpu");
  EXPECT_EQ(request.nodeClassRef.name, "default");
  EXPECT_EQ(request.nodeClassRef.kind, "EC2NodeClass") << "the claim's reference, passed as is";
  EXPECT_EQ(names(request.instanceTypes),
            (std::vector<std::string>{"g4dn.xlarge", "g5.xlarge"}));
  EXPECT_TRUE(cloud_.groupCreates.empty());
  EXPECT_EQ(cloud_.launches, 1);

  // One pass, two writes: the labels (with the cached resourceVersion), then the status.
  EXPECT_EQ(cluster_.calls(),
            (std::vector<std::string>{"addNodeClaimLabels", "patchNodeClaimStatus"}));

  auto c = claim();
  ASSERT_TRUE(c);
  EXPECT_EQ(c->labels.at(std::string(label::kInstanceType)), "g4dn.xlarge");
  EXPECT_EQ(c->labels.at(std::string(label::kZone)), "us-east-1a");
  EXPECT_EQ(c->labels.at(std::string(label::kCapacityType)), "on-demand");
  EXPECT_EQ(c->labels.at(std::string(label::kArch)), "amd64") << "the type's labels";
  EXPECT_EQ(c->labels.at(std::string(label::kInstanceFamily)), "g4dn");
  EXPECT_EQ(c->labels.at(std::string(label::kNodePool)), "gpu") << "kept";

  auto instances = cloud_.list();
  ASSERT_TRUE(instances);
  ASSERT_EQ(instances->size(), 1u);
  EXPECT_EQ(c->providerId, (*instances)[0].providerId);
  EXPECT_EQ((*instances)[0].nodeClaimName, "gpu-a");
  EXPECT_EQ(c->imageId, "ami-fake");
  EXPECT_EQ(c->capacity.get("cpu"), q("4"));
  EXPECT_EQ(c->capacity.get("nvidia.com/gpu"), q("1"));
  EXPECT_EQ(c->allocatable.get("cpu"), q("3920m")) << "capacity less the type's overhead";
  EXPECT_EQ(c->allocatable.get("memory"), q("15Gi"));
  ASSERT_TRUE(c->isTrue(nc::kLaunched));
  EXPECT_EQ(c->condition(nc::kLaunched)->reason, "Launched");
  EXPECT_EQ(events_.count("Launched", "gpu-a"), 1u);
  EXPECT_TRUE(failures_.empty());

  // Launched: later passes neither launch nor write again.
  auto again = reconciler().reconcile("gpu-a");
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, options_.registrationTtl) << "the registration deadline";
  EXPECT_EQ(cloud_.creates.size(), 1u);
  EXPECT_EQ(cluster_.calls().size(), 2u);
}

TEST_F(LaunchStepTest, SuccessClearsThePairsBackoff) {
  backoff_.recordFailure("gpu", "default", "earlier failure", clock_.now());
  backoff_.recordFailure("gpu", "default", "earlier failure", clock_.now());
  cluster_.putClaim(pendingClaim());
  ASSERT_TRUE(reconciler().reconcile("gpu-a"));
  ASSERT_TRUE(claim()->isTrue(nc::kLaunched));
  EXPECT_FALSE(backoff_.held("gpu", "default", clock_.now()));
  // The count started again: the next failure holds for the initial 10s, not 40s.
  auto hold = backoff_.recordFailure("gpu", "default", "x", clock_.now());
  EXPECT_EQ(hold.until - clock_.now(), 10s);
}

TEST_F(LaunchStepTest, FailedStatusWriteIsRecordedLaterWithoutASecondInstance) {
  cluster_.putClaim(pendingClaim());
  cluster_.failNext("patchNodeClaimStatus", Status::unavailable("apiserver restarting"));

  auto first = reconciler().reconcile("gpu-a");
  ASSERT_FALSE(first) << "the lost write is an error, for the queue to retry";
  EXPECT_TRUE(first.error().isUnavailable()) << first.error().toString();
  EXPECT_EQ(cloud_.launches, 1);
  EXPECT_FALSE(claim()->condition(nc::kLaunched));
  EXPECT_TRUE(claim()->providerId.empty());

  reconciler_.reset();  // a restarted controller: no memory of the launch it made
  auto second = reconciler().reconcile("gpu-a");
  ASSERT_TRUE(second) << second.error().toString();
  EXPECT_EQ(cloud_.creates.size(), 2u) << "create asked again";
  EXPECT_EQ(cloud_.launches, 1) << "and found the instance the first attempt started";
  auto instances = cloud_.list();
  ASSERT_EQ(instances->size(), 1u);
  EXPECT_TRUE(claim()->isTrue(nc::kLaunched));
  EXPECT_EQ(claim()->providerId, (*instances)[0].providerId);
  EXPECT_EQ(claim()->labels.at(std::string(label::kInstanceType)), "g4dn.xlarge");
}

// A claim from the apiserver (it has a uid) whose status the cache does not show yet, as
// between the label write and the status write: the pass records the instance this step
// launched a moment ago instead of asking the cloud again.
TEST_F(LaunchStepTest, AClaimTheCacheShowsUnlaunchedIsRecordedFromMemoryWithoutASecondCall) {
  api::NodeClaim pending = pendingClaim();
  pending.uid = "uid-gpu-a";
  cluster_.putClaim(pending);
  cluster_.failNext("patchNodeClaimStatus", Status::unavailable("apiserver restarting"));
  ASSERT_FALSE(reconciler().reconcile("gpu-a"));
  ASSERT_EQ(cloud_.creates.size(), 1u);

  auto second = reconciler().reconcile("gpu-a");
  ASSERT_TRUE(second) << second.error().toString();
  EXPECT_EQ(cloud_.creates.size(), 1u) << "no second create: the instance is known";
  auto instances = cloud_.list();
  ASSERT_EQ(instances->size(), 1u);
  ASSERT_TRUE(claim()->isTrue(nc::kLaunched));
  EXPECT_EQ(claim()->providerId, (*instances)[0].providerId);
  EXPECT_EQ(claim()->allocatable.get("cpu"), q("3920m")) << "the launched type's allocatable";

  // Past the memory span (a claim whose status never landed) the cloud is asked again.
  api::NodeClaim other = pendingClaim("gpu-b");
  other.uid = "uid-gpu-b";
  cluster_.putClaim(other);
  cluster_.failNext("patchNodeClaimStatus", Status::unavailable("apiserver restarting"));
  ASSERT_FALSE(reconciler().reconcile("gpu-b"));
  clock_.advance(RecentLaunches::kSpan + 1s);
  ASSERT_TRUE(reconciler().reconcile("gpu-b"));
  EXPECT_EQ(cloud_.creates.size(), 3u);
  EXPECT_TRUE(claim("gpu-b")->isTrue(nc::kLaunched));
}

TEST_F(LaunchStepTest, ControllerRetriesAFailedLaunchWriteAfterBackoff) {
  LifecycleController controller(cluster_, cluster_, cloud_, events_, clock_,
                                 LifecycleControllerOptions{.workers = 1}, shared());
  cluster_.putClaim(pendingClaim());
  cluster_.failNext("patchNodeClaimStatus", Status::unavailable("apiserver restarting"));

  EXPECT_EQ(controller.step(), 1u);
  EXPECT_FALSE(claim()->isTrue(nc::kLaunched));
  EXPECT_EQ(controller.queue().size(), 1u) << "requeued with backoff";
  EXPECT_EQ(controller.step(), 0u) << "not due before its backoff";

  clock_.advance(1s);
  EXPECT_EQ(controller.step(), 1u);
  EXPECT_TRUE(claim()->isTrue(nc::kLaunched));
  EXPECT_EQ(cloud_.launches, 1);
}

}  // namespace
}  // namespace gantry::provisioner::nodeclaim
