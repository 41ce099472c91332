// The disruption-marks step, on its own and through LifecycleReconciler over the fakes: no
// marks before Initialized; status.lastPodEventTime copied from state::PodEvents (second
// precision, only forward, at most once per 10 s); Consolidatable=True once the NodePool's consolidateAfter has
// passed since max(Initialized, lastPodEventTime), a requeue for exactly that moment before,
// False again after a later pod event, never with "Never", at once with "0s".
#include <gtest/gtest.h>

#include "provisioner/nodeclaim/disruption_marks.h"
#include "provisioner/nodeclaim/lifecycle_reconciler.h"
#include "provisioner/state/pod_events.h"
#include "tests/fakes/fake_clock.h"
#include "tests/fakes/fake_event_recorder.h"
#include "tests/unit/provisioner/nodeclaim/fake_lifecycle.h"

namespace gantry::provisioner::nodeclaim {
namespace {

using namespace std::chrono_literals;
using testing::FakeCloud;
using testing::FakeCluster;
using json = nlohmann::json;
namespace nc = api::nodeclaim;
using api::ConditionStatus;

constexpr const char* kPid = "aws:///us-east-1a/i-0abc";
constexpr const char* kNode = "ip-10-0-0-1.ec2.internal";

class DisruptionMarksTest : public ::testing::Test {
 protected:
  DisruptionMarksTest() : cluster_(clock_), t0_(clock_.now()) {
    putPool("30s");
    cluster_.putNode(json{{"apiVersion", "v1"},
                          {"kind", "Node"},
                          {"metadata", {{"name", kNode}}},
                          {"spec", {{"providerID", kPid}}},
                          {"status",
                           {{"conditions", json::array({{{"type", "Ready"}, {"status", "True"}}})},
                            {"allocatable", {{"cpu", "4"}, {"pods", "110"}}}}}});
  }

  void putPool(const std::string& consolidateAfter) {
    api::NodePool pool;
    pool.name = "gpu";
    pool.consolidateAfter = consolidateAfter;
    cluster_.putPool(pool);
  }

  // Launched, registered and initialized at t0 on kNode.
  api::NodeClaim initializedClaim() {
    api::NodeClaim c;
    c.name = "gpu-1";
    c.labels = {{"gantry.dev/nodepool", "gpu"}};
    c.finalizers = {std::string(nc::kTerminationFinalizer)};
    c.nodeClassRef = {.group = "gantry.dev", .kind = "EC2NodeClass", .name = "default"};
    c.providerId = kPid;
    c.nodeName = kNode;
    for (auto type : {nc::kLaunched, nc::kRegistered, nc::kInitialized, nc::kReady}) {
      c.setCondition(type, ConditionStatus::kTrue, std::string(type), "", t0_);
    }
    return c;
  }

  LifecycleReconciler& reconciler() {
    if (!reconciler_) {
      reconciler_ = std::make_unique<LifecycleReconciler>(
          cluster_, cluster_, cloud_, events_, clock_, LifecycleOptions{},
          LifecycleShared{.podEvents = &podEvents_, .onLaunchFailed = {}});
    }
    return *reconciler_;
  }

  // One pass at t0 + `at`; returns its requeue.
  Requeue passAt(Clock::Duration at) {
    clock_.set(t0_ + at);
    auto result = reconciler().reconcile("gpu-1");
    EXPECT_TRUE(result) << result.error().toString();
    return result ? *result : Requeue{};
  }

  std::shared_ptr<const api::NodeClaim> claim() { return cluster_.nodeClaim("gpu-1"); }
  // The stored Consolidatable condition (a copy), if any.
  std::optional<api::Condition> consolidatable() {
    auto c = claim();
    const api::Condition* cond = c ? c->condition(nc::kConsolidatable) : nullptr;
    return cond ? std::optional<api::Condition>(*cond) : std::nullopt;
  }
  size_t statusWrites() const {
    auto calls = cluster_.calls();
    return static_cast<size_t>(std::count(calls.begin(), calls.end(), "patchNodeClaimStatus"));
  }

  FakeClock clock_;
  FakeCluster cluster_;
  FakeCloud cloud_;
  kube::FakeEventRecorder events_;
  state::PodEvents podEvents_;
  const Clock::TimePoint t0_;
  std::unique_ptr<LifecycleReconciler> reconciler_;
};

TEST_F(DisruptionMarksTest, NothingIsMarkedBeforeInitialized) {
  putPool("0s");
  podEvents_.record(kNode, t0_);
  LifecycleContext ctx{.reader = cluster_,
                       .writer = cluster_,
                       .cloud = cloud_,
                       .events = events_,
                       .clock = clock_,
                       .options = {},
                       .shared = {.podEvents = &podEvents_, .onLaunchFailed = {}}};
  DisruptionMarks step(ctx);
  clock_.advance(1h);

  api::NodeClaim awaiting = initializedClaim();
  awaiting.setCondition(nc::kInitialized, ConditionStatus::kUnknown, "NodeNotReady", "", t0_);
  api::NodeClaim launchedOnly = initializedClaim();
  launchedOnly.conditions.resize(1);  // Launched
  for (api::NodeClaim c : {awaiting, launchedOnly}) {
    const api::NodeClaim before = c;
    auto result = step.reconcile(c);
    ASSERT_TRUE(result);
    EXPECT_FALSE(result->requeue);
    EXPECT_FALSE(result->halt);
    EXPECT_EQ(c.condition(nc::kConsolidatable), nullptr);
    EXPECT_FALSE(c.lastPodEventTime);
    EXPECT_EQ(api::encodeNodeClaim(c), api::encodeNodeClaim(before));
  }
  EXPECT_TRUE(cluster_.calls().empty());
}

TEST_F(DisruptionMarksTest, LastPodEventTimeIsCopiedWithSecondPrecision) {
  putPool("Never");  // only the copy is under test here
  cluster_.putClaim(initializedClaim());
  podEvents_.record(kNode, t0_ + 5s + 400ms);
  podEvents_.record("another-node", t0_ + 9s);

  passAt(6s);
  auto c = claim();
  ASSERT_TRUE(c->lastPodEventTime);
  EXPECT_EQ(*c->lastPodEventTime, t0_ + 5s) << "floored to whole seconds";
  EXPECT_EQ(cluster_.rawClaim("gpu-1")->at("status").at("lastPodEventTime"),
            api::formatTimestamp(t0_ + 5s));
  const size_t writes = statusWrites();
  EXPECT_EQ(writes, 1u);

  passAt(7s);
  EXPECT_EQ(statusWrites(), writes) << "the same moment again writes nothing";

  podEvents_.record(kNode, t0_ + 14s);
  passAt(15s);
  EXPECT_EQ(*claim()->lastPodEventTime, t0_ + 5s) << "under 10 s newer: not worth a write";
  EXPECT_EQ(statusWrites(), writes);

  podEvents_.record(kNode, t0_ + 15s);
  passAt(16s);
  EXPECT_EQ(*claim()->lastPodEventTime, t0_ + 15s);
}

TEST_F(DisruptionMarksTest, AnEventTheDedupeDidNotStoreStillRestartsTheTimer) {
  cluster_.putClaim(initializedClaim());
  podEvents_.record(kNode, t0_ + 20s);
  EXPECT_EQ(passAt(21s), 29s);
  ASSERT_EQ(*claim()->lastPodEventTime, t0_ + 20s);

  podEvents_.record(kNode, t0_ + 25s);  // 5 s later: not stored
  EXPECT_EQ(passAt(26s), 29s) << "30 s from the event at t0+25s, not from the stored t0+20s";
  EXPECT_EQ(*claim()->lastPodEventTime, t0_ + 20s);
  EXPECT_EQ(passAt(50s), 5s);
  EXPECT_FALSE(consolidatable());
  EXPECT_EQ(passAt(55s), std::nullopt);
  EXPECT_EQ(consolidatable()->status, ConditionStatus::kTrue);
}

// The pod handlers of both hosts skip the pass for an event this says changes nothing: a pass
// at that moment must then write nothing, and the requeue already set still moves the timer.
TEST_F(DisruptionMarksTest, APodEventWithinTheDedupeNeedsNoPass) {
  auto fresh = initializedClaim();
  EXPECT_TRUE(podEventChangesMarks(fresh, t0_ + 20s)) << "nothing stored yet";
  cluster_.putClaim(fresh);
  podEvents_.record(kNode, t0_ + 20s);
  EXPECT_EQ(passAt(20s), 30s);
  ASSERT_EQ(*claim()->lastPodEventTime, t0_ + 20s);

  EXPECT_FALSE(podEventChangesMarks(*claim(), t0_ + 25s));
  podEvents_.record(kNode, t0_ + 25s);
  const size_t writes = statusWrites();
  EXPECT_EQ(passAt(25s), 30s);
  EXPECT_EQ(statusWrites(), writes) << "the skipped pass would have written nothing";
  EXPECT_EQ(passAt(50s), 5s) << "the requeue set at t0+20s reads the event at t0+25s";

  EXPECT_TRUE(podEventChangesMarks(*claim(), t0_ + 30s)) << "a dedupe period after the stored";
  EXPECT_EQ(passAt(55s), std::nullopt);
  ASSERT_EQ(consolidatable()->status, ConditionStatus::kTrue);
  EXPECT_TRUE(podEventChangesMarks(*claim(), t0_ + 56s)) << "Consolidatable=True must go back";

  auto uninitialized = initializedClaim();
  uninitialized.lastPodEventTime = t0_ + 20s;
  EXPECT_FALSE(podEventChangesMarks(uninitialized, t0_ + 25s));
  api::removeCondition(uninitialized.conditions, nc::kInitialized);
  EXPECT_TRUE(podEventChangesMarks(uninitialized, t0_ + 25s));
  auto deleting = initializedClaim();
  deleting.lastPodEventTime = t0_ + 20s;
  deleting.deletionTimestamp = t0_ + 21s;
  EXPECT_TRUE(podEventChangesMarks(deleting, t0_ + 25s)) << "termination waits on its pods";
}

TEST_F(DisruptionMarksTest, LastPodEventTimeOnlyMovesForward) {
  putPool("Never");
  auto stored = initializedClaim();
  stored.lastPodEventTime = t0_ + 20s;  // written by an earlier process
  cluster_.putClaim(stored);
  podEvents_.record(kNode, t0_ + 10s);  // older: this process saw less

  passAt(30s);
  EXPECT_EQ(*claim()->lastPodEventTime, t0_ + 20s);
  EXPECT_EQ(statusWrites(), 0u);

  podEvents_.record(kNode, t0_ + 30s);
  passAt(31s);
  EXPECT_EQ(*claim()->lastPodEventTime, t0_ + 30s);
}

TEST_F(DisruptionMarksTest, ConsolidatableOnceConsolidateAfterHasPassedSinceInitialized) {
  cluster_.putClaim(initializedClaim());

  EXPECT_EQ(passAt(0s), 30s);
  EXPECT_EQ(passAt(10s), 20s) << "requeued for exactly the moment it turns consolidatable";
  EXPECT_EQ(passAt(29s), 1s);
  EXPECT_FALSE(consolidatable()) << "no condition written before it is due";
  EXPECT_EQ(statusWrites(), 0u);

  EXPECT_EQ(passAt(30s), std::nullopt);
  auto cond = consolidatable();
  ASSERT_TRUE(cond);
  EXPECT_EQ(cond->status, ConditionStatus::kTrue);
  EXPECT_EQ(cond->lastTransitionTime, t0_ + 30s);

  const size_t writes = statusWrites();
  passAt(45s);
  EXPECT_EQ(statusWrites(), writes) << "already marked: nothing to write";
  EXPECT_EQ(consolidatable()->lastTransitionTime, t0_ + 30s);
}

TEST_F(DisruptionMarksTest, TimerRunsFromTheLaterOfInitializedAndLastPodEvent) {
  auto stored = initializedClaim();
  stored.lastPodEventTime = t0_ - 5min;  // before initialization: does not count
  cluster_.putClaim(stored);
  EXPECT_EQ(passAt(10s), 20s);

  podEvents_.record(kNode, t0_ + 20s);
  EXPECT_EQ(passAt(25s), 25s) << "30s from the pod event at t0+20s";
  EXPECT_FALSE(consolidatable());
  EXPECT_EQ(passAt(50s), std::nullopt);
  EXPECT_EQ(consolidatable()->status, ConditionStatus::kTrue);
}

TEST_F(DisruptionMarksTest, LaterPodEventTurnsItFalseAndRestartsTheTimer) {
  cluster_.putClaim(initializedClaim());
  passAt(30s);
  ASSERT_EQ(consolidatable()->status, ConditionStatus::kTrue);

  podEvents_.record(kNode, t0_ + 60s);
  EXPECT_EQ(passAt(61s), 29s);
  auto cond = consolidatable();
  ASSERT_TRUE(cond);
  EXPECT_EQ(cond->status, ConditionStatus::kFalse);
  EXPECT_EQ(cond->reason, "RecentPodEvent");
  EXPECT_EQ(*claim()->lastPodEventTime, t0_ + 60s);

  EXPECT_EQ(passAt(89s), 1s);
  EXPECT_EQ(consolidatable()->status, ConditionStatus::kFalse);
  EXPECT_EQ(passAt(90s), std::nullopt);
  EXPECT_EQ(consolidatable()->status, ConditionStatus::kTrue);
  EXPECT_EQ(consolidatable()->lastTransitionTime, t0_ + 90s);
}

TEST_F(DisruptionMarksTest, NeverNeverMarksAndClearsAnExistingMark) {
  putPool("Never");
  cluster_.putClaim(initializedClaim());
  EXPECT_EQ(passAt(24h), std::nullopt) << "nothing to wait for";
  EXPECT_FALSE(consolidatable());
  EXPECT_EQ(statusWrites(), 0u);

  // Marked while the pool said 30s; then the pool changes to Never.
  putPool("30s");
  passAt(25h);
  ASSERT_EQ(consolidatable()->status, ConditionStatus::kTrue);
  putPool("Never");
  EXPECT_EQ(passAt(26h), std::nullopt);
  auto cond = consolidatable();
  ASSERT_TRUE(cond);
  EXPECT_EQ(cond->status, ConditionStatus::kFalse);
  EXPECT_EQ(cond->reason, "ConsolidationDisabled");
}

TEST_F(DisruptionMarksTest, ZeroSecondsMarksAtOnce) {
  putPool("0s");
  cluster_.putClaim(initializedClaim());
  EXPECT_EQ(passAt(0s), std::nullopt);
  ASSERT_TRUE(consolidatable());
  EXPECT_EQ(consolidatable()->status, ConditionStatus::kTrue);

  // A pod event does not unmark it: consolidateAfter 0s has always passed.
  podEvents_.record(kNode, t0_ + 5s);
  passAt(5s);
  EXPECT_EQ(consolidatable()->status, ConditionStatus::kTrue);
  EXPECT_EQ(*claim()->lastPodEventTime, t0_ + 5s);
}

TEST_F(DisruptionMarksTest, MissingNodePoolClearsAnExistingMark) {
  cluster_.putClaim(initializedClaim());
  passAt(30s);
  ASSERT_EQ(consolidatable()->status, ConditionStatus::kTrue);
  auto orphan = *claim();
  orphan.labels["gantry.dev/nodepool"] = "deleted-pool";
  cluster_.putClaim(orphan);
  EXPECT_EQ(passAt(40s), std::nullopt);
  EXPECT_EQ(consolidatable()->status, ConditionStatus::kFalse);
  EXPECT_EQ(consolidatable()->message, "NodePool not found");
}

}  // namespace
}  // namespace gantry::provisioner::nodeclaim
