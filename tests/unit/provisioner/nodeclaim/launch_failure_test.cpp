// The launch step's failures: a capacity error (or no offering left) deletes the claim for an
// immediate re-plan without backoff; a persistent error (a bad request, no permission, a
// missing EC2NodeClass) deletes it and backs the NodePool/EC2NodeClass pair off 10s, doubling
// to 5 min; a transient error keeps the claim for the queue to launch again. A claim deleted
// before it launched is released without a cloud call.
#include <gtest/gtest.h>

#include <optional>

#include "provisioner/nodeclaim/launch.h"
#include "tests/unit/provisioner/nodeclaim/launch_fixture.h"

namespace gantry::provisioner::nodeclaim {
namespace {

using namespace std::chrono_literals;
using testing::Failure;
namespace nc = api::nodeclaim;

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

class LaunchFailureTest : public testing::LaunchFixture {
 protected:
  // The first Event with `reason`.
  std::optional<kube::FakeEventRecorder::Event> event(const std::string& reason) const {
    for (const auto& e : events_.events()) {
      if (e.reason == reason) return e;
    }
    return std::nullopt;
  }
};

TEST_F(LaunchFailureTest, CapacityErrorRecordsWhyThenDeletesTheClaimWithoutBackoff) {
  cluster_.putClaim(pendingClaim());
  const std::string why = "InsufficientInstanceCapacity: no g4dn.xlarge capacity in us-east-1a";
  cloud_.createErrors = {Status::insufficientCapacity(why)};

  auto result = reconciler().reconcile("gpu-a");
  ASSERT_TRUE(result) << result.error().toString();

  auto c = claim();
  ASSERT_TRUE(c) << "held by its finalizer";
  EXPECT_TRUE(c->deleting());
  const api::Condition* launched = c->condition(nc::kLaunched);
  ASSERT_NE(launched, nullptr);
  EXPECT_EQ(launched->status, api::ConditionStatus::kFalse);
  EXPECT_EQ(launched->reason, "InsufficientCapacity");
  EXPECT_EQ(launched->message, why);
  ASSERT_GE(firstCall("patchNodeClaimStatus"), 0);
  EXPECT_LT(firstCall("patchNodeClaimStatus"), firstCall("deleteNodeClaim"))
      << "the reason is written before the claim goes";
  EXPECT_EQ(countCalls("addNodeClaimLabels"), 0u);

  auto e = event("InsufficientCapacity");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->type, kube::EventType::kWarning);
  EXPECT_EQ(e->object.name, "gpu-a");
  EXPECT_EQ(e->message, why);
  EXPECT_EQ(failures_, (std::vector<Failure>{{"gpu-a", true}}));
  EXPECT_FALSE(backoff_.held("gpu", "default", clock_.now())) << "capacity is no class fault";

  // The finalizer lets a claim that never launched go at once, with no second attempt.
  ASSERT_TRUE(reconciler().reconcile("gpu-a"));
  EXPECT_FALSE(claim());
  EXPECT_EQ(cloud_.creates.size(), 1u);
  EXPECT_EQ(cloud_.deletes, 0);
  EXPECT_EQ(failures_.size(), 1u);
}

TEST_F(LaunchFailureTest, NoAvailableOfferingIsACapacityErrorWithoutACloudCall) {
  auto catalog = testing::launchCatalog();
  for (auto& t : catalog) {
    for (auto& o : t.offerings) o.available = false;
  }
  cloud_.catalog = std::make_shared<const api::InstanceTypes>(catalog);
  cluster_.putClaim(pendingClaim());

  ASSERT_TRUE(reconciler().reconcile("gpu-a"));
  EXPECT_TRUE(cloud_.creates.empty());
  EXPECT_TRUE(claim()->deleting());
  EXPECT_EQ(claim()->condition(nc::kLaunched)->reason, "InsufficientCapacity");
  EXPECT_EQ(failures_, (std::vector<Failure>{{"gpu-a", true}}));
  EXPECT_FALSE(backoff_.held("gpu", "default", clock_.now()));
}

TEST_F(LaunchFailureTest, CapacityErrorStillDeletesWhenItsStatusCannotBeWritten) {
  cluster_.putClaim(pendingClaim());
  cloud_.createErrors = {Status::insufficientCapacity("none left")};
  cluster_.failNext("patchNodeClaimStatus", Status::unavailable("apiserver restarting"));
  ASSERT_TRUE(reconciler().reconcile("gpu-a"));
  EXPECT_TRUE(claim()->deleting());
  EXPECT_EQ(failures_, (std::vector<Failure>{{"gpu-a", true}}));
}

TEST_F(LaunchFailureTest, PersistentErrorDeletesTheClaimAndBacksThePairOff) {
  cluster_.putClaim(pendingClaim());
  const std::string why = "UnauthorizedOperation: not allowed to call RunInstances";
  cloud_.createErrors = {Status::unauthorized(why)};

  ASSERT_TRUE(reconciler().reconcile("gpu-a"));

  auto c = claim();
  ASSERT_TRUE(c);
  EXPECT_TRUE(c->deleting());
  const api::Condition* launched = c->condition(nc::kLaunched);
  ASSERT_NE(launched, nullptr);
  EXPECT_EQ(launched->status, api::ConditionStatus::kFalse);
  EXPECT_EQ(launched->reason, "LaunchFailed");
  EXPECT_TRUE(contains(launched->message, why)) << launched->message;
  EXPECT_TRUE(contains(launched->message, "backs off 10s")) << launched->message;
  EXPECT_LT(firstCall("patchNodeClaimStatus"), firstCall("deleteNodeClaim"));
  auto e = event("LaunchFailed");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->type, kube::EventType::kWarning);
  EXPECT_TRUE(contains(e->message, why));
  EXPECT_EQ(failures_, (std::vector<Failure>{{"gpu-a", false}}));

  auto hold = backoff_.held("gpu", "default", clock_.now());
  ASSERT_TRUE(hold);
  EXPECT_EQ(hold->until - clock_.now(), 10s);
  EXPECT_EQ(hold->failures, 1);
  EXPECT_EQ(hold->error, why);
  EXPECT_TRUE(backoff_.held("gpu", "default", clock_.now() + 9s));
  EXPECT_FALSE(backoff_.held("gpu", "default", clock_.now() + 10s));
}

TEST_F(LaunchFailureTest, ConsecutivePersistentErrorsDoubleTheHoldUpToFiveMinutes) {
  const std::vector<Clock::Duration> expected = {10s, 20s, 40s, 80s, 160s, 300s, 300s};
  for (size_t i = 0; i < expected.size(); ++i) {
    SCOPED_TRACE(i);
    const std::string name = "gpu-" + std::to_string(i);
    cluster_.putClaim(pendingClaim(name));
    cloud_.createErrors = {Status::invalid("InvalidAMIID.NotFound: ami-0 does not exist")};
    ASSERT_TRUE(reconciler().reconcile(name));
    ASSERT_TRUE(claim(name)->deleting());

    auto hold = backoff_.held("gpu", "default", clock_.now());
    ASSERT_TRUE(hold);
    EXPECT_EQ(hold->until - clock_.now(), expected[i]);
    EXPECT_EQ(hold->failures, static_cast<int>(i + 1));
    EXPECT_TRUE(contains(claim(name)->condition(nc::kLaunched)->message,
                         "backs off " + formatSeconds(expected[i])));
    clock_.advance(expected[i]);  // the hold runs out; the count does not reset
    EXPECT_FALSE(backoff_.held("gpu", "default", clock_.now()));
  }
  EXPECT_EQ(failures_.size(), expected.size());
  EXPECT_EQ(events_.count("LaunchFailed"), expected.size());
}

TEST_F(LaunchFailureTest, TransientErrorKeepsTheClaimAndALaterPassLaunchesIt) {
  const std::vector<Status> errors = {Status::throttled("RequestLimitExceeded"),
                                      Status::unavailable("connection reset"),
                                      Status::conflict("IdempotentParameterMismatch")};
  int launched = 0;
  for (const Status& error : errors) {
    SCOPED_TRACE(error.toString());
    const std::string name = "gpu-" + std::string(statusCodeName(error.code()));
    cluster_.putClaim(pendingClaim(name));
    cloud_.createErrors = {error};
    const size_t writes = countCalls("patchNodeClaimStatus");

    auto first = reconciler().reconcile(name);
    ASSERT_FALSE(first) << "an error, for the queue's backoff";
    EXPECT_EQ(first.error().code(), error.code());
    ASSERT_TRUE(claim(name));
    EXPECT_FALSE(claim(name)->deleting());
    EXPECT_FALSE(claim(name)->condition(nc::kLaunched)) << "nothing recorded";
    EXPECT_EQ(countCalls("patchNodeClaimStatus"), writes);

    auto second = reconciler().reconcile(name);
    ASSERT_TRUE(second) << second.error().toString();
    EXPECT_TRUE(claim(name)->isTrue(nc::kLaunched));
    EXPECT_EQ(cloud_.launches, ++launched) << "one instance per claim";
  }
  EXPECT_EQ(countCalls("deleteNodeClaim"), 0u);
  EXPECT_TRUE(failures_.empty());
  EXPECT_FALSE(backoff_.held("gpu", "default", clock_.now()));
  EXPECT_EQ(events_.count("LaunchFailed"), 0u);
}

TEST_F(LaunchFailureTest, MissingNodeClassIsAPersistentFailureNamingTheClass) {
  auto pending = pendingClaim();
  pending.nodeClassRef.name = "gpu-class";
  cluster_.putClaim(pending);

  ASSERT_TRUE(reconciler().reconcile("gpu-a"));
  // The cloud looks the class up itself and refuses; nothing is launched.
  ASSERT_EQ(cloud_.creates.size(), 1u);
  EXPECT_EQ(cloud_.creates[0].nodeClassRef.name, "gpu-class");
  EXPECT_EQ(cloud_.launches, 0);
  auto c = claim();
  ASSERT_TRUE(c);
  EXPECT_TRUE(c->deleting());
  const api::Condition* launched = c->condition(nc::kLaunched);
  ASSERT_NE(launched, nullptr);
  EXPECT_EQ(launched->reason, "LaunchFailed");
  EXPECT_TRUE(contains(launched->message, "EC2NodeClass \"gpu-class\" not found"))
      << launched->message;
  EXPECT_EQ(failures_, (std::vector<Failure>{{"gpu-a", false}}));
  EXPECT_TRUE(backoff_.held("gpu", "gpu-class", clock_.now()));
  EXPECT_FALSE(backoff_.held("gpu", "default", clock_.now())) << "only the pair that failed";
}

TEST_F(LaunchFailureTest, ClaimDeletedBeforeItLaunchedIsReleasedWithoutACloudCall) {
  cluster_.putClaim(pendingClaim());
  cluster_.userDelete("claim", "gpu-a");
  ASSERT_TRUE(claim()->deleting());

  auto result = reconciler().reconcile("gpu-a");
  ASSERT_TRUE(result) << result.error().toString();
  EXPECT_FALSE(claim()) << "finalizer removed";
  EXPECT_EQ(countCalls("patchNodeClaim"), 1u);
  EXPECT_TRUE(cloud_.creates.empty());
  EXPECT_TRUE(cloud_.groupCreates.empty());
  EXPECT_EQ(cloud_.deletes, 0);
  EXPECT_EQ(cloud_.launches, 0);
  EXPECT_TRUE(failures_.empty());
  EXPECT_EQ(events_.count("Terminated", "gpu-a"), 1u);
}

}  // namespace
}  // namespace gantry::provisioner::nodeclaim
