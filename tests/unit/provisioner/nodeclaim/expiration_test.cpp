// The expiration step, through LifecycleReconciler over the fakes: nothing before
// creationTimestamp + expireAfter (a requeue for that moment only once it is within the
// hour), then the claim annotated Expired and deleted (its finalizer then drains the Node),
// with Events on the claim and the Node; "Never" never; do-not-disrupt does not hold it back.
#include <gtest/gtest.h>

#include "provisioner/nodeclaim/expiration.h"
#include "provisioner/nodeclaim/lifecycle_reconciler.h"
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

class ExpirationTest : public ::testing::Test {
 protected:
  ExpirationTest() : cluster_(clock_), t0_(std::chrono::floor<std::chrono::seconds>(clock_.now())) {
    api::NodePool pool;
    pool.name = "gpu";
    pool.consolidateAfter = "Never";
    cluster_.putPool(pool);
    cluster_.putNode(json{{"apiVersion", "v1"},
                          {"kind", "Node"},
                          {"metadata", {{"name", kNode}}},
                          {"spec", {{"providerID", kPid}}},
                          {"status",
                           {{"conditions", json::array({{{"type", "Ready"}, {"status", "True"}}})},
                            {"allocatable", {{"cpu", "4"}, {"pods", "110"}}}}}});
    cloud_.addInstance({.instanceId = "i-0abc", .providerId = kPid, .state = "running",
                        .nodeClaimName = "gpu-1"});
  }

  api::NodeClaim claim(const std::string& expireAfter) {
    api::NodeClaim c;
    c.name = "gpu-1";
    c.uid = "uid-1";
    c.creationTimestamp = t0_;
    c.expireAfter = expireAfter;
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
      reconciler_ = std::make_unique<LifecycleReconciler>(cluster_, cluster_, cloud_, events_,
                                                           clock_, LifecycleOptions{},
                                                           LifecycleShared{});
    }
    return *reconciler_;
  }

  Requeue passAt(Clock::Duration at) {
    clock_.set(t0_ + at);
    auto result = reconciler().reconcile("gpu-1");
    EXPECT_TRUE(result) << result.error().toString();
    return result ? *result : Requeue{};
  }

  bool deleting() {
    auto c = cluster_.nodeClaim("gpu-1");
    return c && c->deleting();
  }

  FakeClock clock_;
  FakeCluster cluster_;
  FakeCloud cloud_;
  kube::FakeEventRecorder events_;
  const Clock::TimePoint t0_;
  std::unique_ptr<LifecycleReconciler> reconciler_;
};

TEST_F(ExpirationTest, ExpiresAtCreationPlusExpireAfter) {
  EXPECT_EQ(expiresAt(claim("2m")), t0_ + 2min);
  EXPECT_EQ(expiresAt(claim("")), t0_ + 720h) << "the default";
  EXPECT_FALSE(expiresAt(claim("Never")));
  EXPECT_FALSE(expiresAt(claim("bogus")));
  api::NodeClaim unsaved = claim("2m");
  unsaved.creationTimestamp.reset();
  EXPECT_FALSE(expiresAt(unsaved));
}

TEST_F(ExpirationTest, AnExpiredClaimIsAnnotatedAndDeleted) {
  cluster_.putClaim(claim("2h"));
  EXPECT_FALSE(passAt(10min)) << "far off: the resync comes round first";
  EXPECT_FALSE(deleting());
  const Requeue near = passAt(1h + 30min);
  ASSERT_TRUE(near);
  EXPECT_LE(*near, 30min) << "a requeue no later than the moment of expiry";
  EXPECT_FALSE(deleting());

  passAt(2h);
  ASSERT_TRUE(deleting());
  auto c = cluster_.nodeClaim("gpu-1");
  EXPECT_EQ(c->annotations.at(std::string(nc::kDisruptionReasonAnnotation)), "Expired");
  EXPECT_EQ(events_.count("Expired", "gpu-1"), 1u);
  EXPECT_EQ(events_.count("Expired", kNode), 1u);
}

TEST_F(ExpirationTest, NeverNeverExpires) {
  cluster_.putClaim(claim("Never"));
  passAt(24h * 365);
  EXPECT_FALSE(deleting());
}

TEST_F(ExpirationTest, DoNotDisruptDoesNotHoldItBack) {
  api::NodeClaim c = claim("2m");
  c.annotations[std::string(nc::kDoNotDisruptAnnotation)] = "true";
  cluster_.putClaim(c);
  passAt(3min);
  EXPECT_TRUE(deleting()) << "expiration is forceful, as in Karpenter v1";
}

TEST_F(ExpirationTest, AClaimNotLaunchedYetExpiresToo) {
  api::NodeClaim c = claim("2m");
  c.conditions.clear();
  c.providerId.clear();
  c.nodeName.clear();
  cluster_.putClaim(c);
  passAt(5min);
  EXPECT_TRUE(deleting());
  EXPECT_EQ(cloud_.creates.size(), 0u) << "an expired claim is not launched";
}

}  // namespace
}  // namespace gantry::provisioner::nodeclaim
