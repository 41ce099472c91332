// The drift-marks step, through LifecycleReconciler over the fakes: NodePoolDrifted when the
// pool's template hash moves away from the claim's (and not across hash versions, nor for an
// unstamped claim), RequirementsDrifted when a pool requirement rejects the claim's or Node's
// label (not for a key neither has), the cloud's reason otherwise, asked at most once per
// driftCheckInterval; the mark goes again when the cause does, stays when the cloud cannot
// answer; Events on the claim and the Node when a node is first found drifted.
#include <gtest/gtest.h>

#include "provisioner/nodeclaim/drift_marks.h"
#include "provisioner/nodeclaim/lifecycle_reconciler.h"
#include "src/api/nodepool_hash.h"
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

class DriftMarksTest : public ::testing::Test {
 protected:
  DriftMarksTest() : cluster_(clock_), t0_(clock_.now()) {
    pool_.name = "gpu";
    pool_.consolidateAfter = "Never";
    pool_.labels = {{"team", "ml"}};
    pool_.nodeClassRef = "default";
    cluster_.putPool(pool_);
    cluster_.putNode(json{{"apiVersion", "v1"},
                          {"kind", "Node"},
                          {"metadata", {{"name", kNode}, {"labels", {{"kubernetes.io/arch", "amd64"}}}}},
                          {"spec", {{"providerID", kPid}}},
                          {"status",
                           {{"conditions", json::array({{{"type", "Ready"}, {"status", "True"}}})},
                            {"allocatable", {{"cpu", "4"}, {"pods", "110"}}}}}});
    cloud_.addInstance({.instanceId = "i-0abc", .providerId = kPid, .imageId = "ami-1",
                        .state = "running", .nodeClaimName = "gpu-1"});
    cluster_.putClaim(initializedClaim());
  }

  // Initialized at t0 on kNode, stamped with the pool's hash as the provisioner does.
  api::NodeClaim initializedClaim() {
    api::NodeClaim c;
    c.name = "gpu-1";
    c.uid = "uid-1";
    c.labels = {{"gantry.dev/nodepool", "gpu"},
                {"team", "ml"},
                {"node.kubernetes.io/instance-type", "g5.xlarge"}};
    c.annotations = {{std::string(api::kNodePoolHashAnnotation), api::nodePoolHash(pool_)},
                     {std::string(api::kNodePoolHashVersionAnnotation),
                      std::string(api::kNodePoolHashVersion)}};
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
          cluster_, cluster_, cloud_, events_, clock_,
          LifecycleOptions{.driftCheckInterval = 1min}, LifecycleShared{});
    }
    return *reconciler_;
  }

  void passAt(Clock::Duration at) {
    clock_.set(t0_ + at);
    auto result = reconciler().reconcile("gpu-1");
    ASSERT_TRUE(result) << result.error().toString();
  }

  // The stored Drifted condition (a copy), if any.
  std::optional<api::Condition> drifted() {
    auto c = cluster_.nodeClaim("gpu-1");
    const api::Condition* cond = c ? c->condition(nc::kDrifted) : nullptr;
    return cond ? std::optional<api::Condition>(*cond) : std::nullopt;
  }

  FakeClock clock_;
  FakeCluster cluster_;
  FakeCloud cloud_;
  kube::FakeEventRecorder events_;
  api::NodePool pool_;
  const Clock::TimePoint t0_;
  std::unique_ptr<LifecycleReconciler> reconciler_;
};

TEST_F(DriftMarksTest, NothingIsMarkedWhileNothingChanged) {
  passAt(1s);
  EXPECT_FALSE(drifted());
  EXPECT_EQ(cloud_.driftChecks, 1);
  EXPECT_EQ(events_.count("Drifted"), 0u);
}

TEST_F(DriftMarksTest, ATemplateChangeMarksNodePoolDriftedAndChangingItBackClearsIt) {
  pool_.labels["team"] = "research";
  cluster_.putPool(pool_);
  passAt(1s);
  auto mark = drifted();
  ASSERT_TRUE(mark);
  EXPECT_EQ(mark->status, ConditionStatus::kTrue);
  EXPECT_EQ(mark->reason, kNodePoolDrifted);
  EXPECT_EQ(events_.count("Drifted", "gpu-1"), 1u);
  EXPECT_EQ(events_.count("Drifted", kNode), 1u);
  EXPECT_EQ(cloud_.driftChecks, 0) << "the cloud is not asked once the pool says drifted";

  passAt(2s);
  EXPECT_EQ(events_.count("Drifted"), 2u) << "told once, not on every pass";

  pool_.labels["team"] = "ml";
  cluster_.putPool(pool_);
  passAt(3s);
  EXPECT_FALSE(drifted());
}

TEST_F(DriftMarksTest, HashesOfAnotherVersionOrNoneAreNotCompared) {
  pool_.taints.push_back({.key = "dedicated", .value = "ml"});
  cluster_.putPool(pool_);
  api::NodeClaim c = initializedClaim();
  c.annotations[std::string(api::kNodePoolHashVersionAnnotation)] = "v0";
  cluster_.putClaim(c);
  passAt(1s);
  EXPECT_FALSE(drifted());

  c.annotations.clear();
  cluster_.putClaim(c);
  passAt(2s);
  EXPECT_FALSE(drifted());
}

TEST_F(DriftMarksTest, ARequirementTheLabelsNoLongerMeetMarksRequirementsDrifted) {
  pool_.requirements = {{.key = "node.kubernetes.io/instance-type",
                         .op = api::SelectorOp::kNotIn,
                         .values = {"g5.xlarge"}}};
  cluster_.putPool(pool_);
  passAt(1s);
  auto mark = drifted();
  ASSERT_TRUE(mark);
  EXPECT_EQ(mark->reason, kRequirementsDrifted);
  EXPECT_NE(mark->message.find("g5.xlarge"), std::string::npos) << mark->message;
}

TEST_F(DriftMarksTest, TheNodesLabelsCountAndAKeyNeitherHasDoesNot) {
  pool_.requirements = {
      {.key = "example.com/rack", .op = api::SelectorOp::kIn, .values = {"r1"}},
      {.key = "kubernetes.io/arch", .op = api::SelectorOp::kIn, .values = {"amd64"}}};
  cluster_.putPool(pool_);
  passAt(1s);
  EXPECT_FALSE(drifted());

  pool_.requirements[1].values = {"arm64"};
  cluster_.putPool(pool_);
  passAt(2s);
  ASSERT_TRUE(drifted());
  EXPECT_EQ(drifted()->reason, kRequirementsDrifted);
}

TEST_F(DriftMarksTest, TheCloudsReasonIsAskedOncePerInterval) {
  cloud_.drift = "ImageDrift";
  passAt(1s);
  ASSERT_TRUE(drifted());
  EXPECT_EQ(drifted()->reason, "ImageDrift");
  EXPECT_EQ(cloud_.driftChecks, 1);

  cloud_.drift.reset();
  passAt(30s);
  EXPECT_EQ(cloud_.driftChecks, 1) << "within the interval the last answer stands";
  EXPECT_TRUE(drifted());

  passAt(62s);
  EXPECT_EQ(cloud_.driftChecks, 2);
  EXPECT_FALSE(drifted()) << "the AMI selector restored: the mark goes";
}

TEST_F(DriftMarksTest, ACloudErrorKeepsTheCloudsMark) {
  cloud_.drift = "SubnetDrift";
  passAt(1s);
  ASSERT_TRUE(drifted());
  cloud_.driftError = Status::unavailable("ec2 down");
  passAt(2min);
  ASSERT_TRUE(drifted());
  EXPECT_EQ(drifted()->reason, "SubnetDrift");
}

TEST_F(DriftMarksTest, AClaimNotLaunchedLosesTheMark) {
  LifecycleContext ctx{.reader = cluster_,
                       .writer = cluster_,
                       .cloud = cloud_,
                       .events = events_,
                       .clock = clock_,
                       .options = {},
                       .shared = {}};
  DriftMarks step(ctx);
  api::NodeClaim c = initializedClaim();
  c.conditions.clear();
  c.setCondition(nc::kDrifted, ConditionStatus::kTrue, "ImageDrift", "", t0_);
  ASSERT_TRUE(step.reconcile(c));
  EXPECT_EQ(c.condition(nc::kDrifted), nullptr);
  EXPECT_EQ(cloud_.driftChecks, 0);
}

}  // namespace
}  // namespace gantry::provisioner::nodeclaim
