// Garbage collection over in-memory seams: orphan instances terminated after the grace period,
// launched claims whose instance vanished deleted, Nodes of ours without a claim removed, and
// other clusters' or unmanaged Nodes never touched.
#include <gtest/gtest.h>

#include "provisioner/nodeclaim/garbage_collector.h"
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

class GarbageCollectorTest : public ::testing::Test {
 protected:
  GarbageCollectorTest() : cluster_(clock_) {}

  api::NodeClaim launchedClaim(const std::string& name, const std::string& pid) {
    api::NodeClaim c;
    c.name = name;
    c.labels = {{"gantry.dev/nodepool", "gpu"}};
    c.nodeClassRef = {.group = "gantry.dev", .kind = "EC2NodeClass", .name = "default"};
    c.providerId = pid;
    c.setCondition(nc::kLaunched, api::ConditionStatus::kTrue, "Launched", "", clock_.now());
    return c;
  }
  json node(const std::string& name, const std::string& pid, json labels = json::object()) {
    return json{{"apiVersion", "v1"},
                {"kind", "Node"},
                {"metadata",
                 {{"name", name}, {"labels", labels},
                  {"finalizers", json::array({"gantry.dev/termination"})}}},
                {"spec", {{"providerID", pid}}}};
  }

  FakeClock clock_;
  FakeCluster cluster_;
  FakeCloud cloud_;
  kube::FakeEventRecorder events_;
  GarbageCollector gc_{cluster_, cluster_, cloud_, events_, clock_, {.gracePeriod = 30s}};
};

TEST_F(GarbageCollectorTest, TerminatesOrphansAndDeletesClaimsWithoutInstanceAfterTheGrace) {
  // An orphan (no claim) launched just now, a claim whose instance vanished, and a healthy
  // claim with its instance.
  cloud_.addInstance({.instanceId = "i-orphan", .providerId = "aws:///us-east-1b/i-orphan",
                      .state = "running", .nodeClaimName = "deleted-claim",
                      .launchTime = clock_.now()});
  cloud_.addInstance({.instanceId = "i-ok", .providerId = "aws:///us-east-1a/i-ok",
                      .state = "running", .nodeClaimName = "ok"});
  cluster_.putClaim(launchedClaim("lost", "aws:///us-east-1a/i-lost"));
  cluster_.putClaim(launchedClaim("ok", "aws:///us-east-1a/i-ok"));

  auto first = gc_.collect();
  ASSERT_TRUE(first);
  EXPECT_EQ(first->instancesTerminated, 0u);
  EXPECT_EQ(first->claimsDeleted, 0u);
  clock_.advance(29s);
  ASSERT_TRUE(gc_.collect());
  EXPECT_EQ(cloud_.state("aws:///us-east-1b/i-orphan"), "running") << "still within the grace";
  clock_.advance(1s);
  auto second = gc_.collect();
  ASSERT_TRUE(second);
  EXPECT_EQ(second->instancesTerminated, 1u);
  EXPECT_EQ(second->claimsDeleted, 1u);
  EXPECT_EQ(cloud_.state("aws:///us-east-1b/i-orphan"), "shutting-down");
  EXPECT_EQ(cloud_.state("aws:///us-east-1a/i-ok"), "running");
  EXPECT_FALSE(cluster_.nodeClaim("lost"));
  EXPECT_FALSE(cluster_.nodeClaim("ok")->deleting());
  EXPECT_EQ(events_.count("InstanceTerminated", "lost"), 1u);
}

TEST_F(GarbageCollectorTest, AnInstanceWhoseClaimIsStillLaunchingIsNotAnOrphan) {
  // The claim exists but has no providerID yet (the launch is being recorded): the instance
  // carries its name.
  api::NodeClaim launching;
  launching.name = "launching";
  launching.nodeClassRef = {.group = "gantry.dev", .kind = "EC2NodeClass", .name = "default"};
  cluster_.putClaim(launching);
  cloud_.addInstance({.instanceId = "i-1", .providerId = "aws:///us-east-1a/i-1",
                      .state = "running", .nodeClaimName = "launching"});
  clock_.advance(10min);
  ASSERT_TRUE(gc_.collect());
  clock_.advance(10min);
  ASSERT_TRUE(gc_.collect());
  EXPECT_EQ(cloud_.state("aws:///us-east-1a/i-1"), "running");
}

TEST_F(GarbageCollectorTest, ASecondInstanceTaggedForALaunchedClaimIsTerminatedAfterTheGrace) {
  // The claim recorded i-1; i-2 carries its name too (its create ran twice: a retry that did
  // not find the first instance). Nothing will ever record i-2; its tag must not hide it.
  cluster_.putClaim(launchedClaim("twice", "aws:///us-east-1a/i-1"));
  cloud_.addInstance({.instanceId = "i-1", .providerId = "aws:///us-east-1a/i-1",
                      .state = "running", .nodeClaimName = "twice"});
  cloud_.addInstance({.instanceId = "i-2", .providerId = "aws:///us-east-1a/i-2",
                      .state = "running", .nodeClaimName = "twice",
                      .launchTime = clock_.now()});
  ASSERT_TRUE(gc_.collect());
  clock_.advance(29s);
  ASSERT_TRUE(gc_.collect());
  EXPECT_EQ(cloud_.state("aws:///us-east-1a/i-2"), "running") << "still within the grace";
  clock_.advance(1s);
  auto collected = gc_.collect();
  ASSERT_TRUE(collected);
  EXPECT_EQ(collected->instancesTerminated, 1u);
  EXPECT_EQ(cloud_.state("aws:///us-east-1a/i-2"), "shutting-down");
  EXPECT_EQ(cloud_.state("aws:///us-east-1a/i-1"), "running");
  EXPECT_FALSE(cluster_.nodeClaim("twice")->deleting());
}

TEST_F(GarbageCollectorTest, RemovesOurNodesWithoutAClaimAndLeavesOthersAlone) {
  api::NodePool pool;
  pool.name = "gpu";
  cluster_.putPool(pool);
  // Ours by instance (this cluster launched it), ours by pool label, another cluster's node
  // (a pool we do not know), an unmanaged node, and a node whose claim exists.
  cloud_.addInstance({.instanceId = "i-a", .providerId = "aws:///us-east-1a/i-a",
                      .state = "running", .nodeClaimName = "gone"});
  cluster_.putNode(node("by-instance", "aws:///us-east-1a/i-a"));
  cluster_.putNode(node("by-label", "aws:///us-east-1a/i-b", {{"gantry.dev/nodepool", "gpu"}}));
  cluster_.putNode(node("other", "aws:///us-east-1a/i-c", {{"gantry.dev/nodepool", "theirs"}}));
  cluster_.putNode(node("unmanaged", "aws:///us-east-1a/i-d"));
  cluster_.putClaim(launchedClaim("kept", "aws:///us-east-1a/i-e"));
  cloud_.addInstance({.instanceId = "i-e", .providerId = "aws:///us-east-1a/i-e",
                      .state = "running", .nodeClaimName = "kept"});
  cluster_.putNode(node("claimed", "aws:///us-east-1a/i-e", {{"gantry.dev/nodepool", "gpu"}}));

  ASSERT_TRUE(gc_.collect());
  EXPECT_TRUE(cluster_.rawNode("by-instance")) << "within the grace period";
  clock_.advance(31s);
  auto result = gc_.collect();
  ASSERT_TRUE(result);
  EXPECT_EQ(result->nodesDeleted, 2u);
  EXPECT_FALSE(cluster_.rawNode("by-instance")) << "finalizer released, then deleted";
  EXPECT_FALSE(cluster_.rawNode("by-label"));
  EXPECT_TRUE(cluster_.rawNode("other"));
  EXPECT_TRUE(cluster_.rawNode("unmanaged"));
  EXPECT_TRUE(cluster_.rawNode("claimed"));
}

TEST_F(GarbageCollectorTest, ReconcileRequeuesItselfAfterTheInterval) {
  GarbageCollector gc(cluster_, cluster_, cloud_, events_, clock_,
                      {.gracePeriod = 30s, .interval = 45s});
  auto r = gc.reconcile(GarbageCollector::kKey);
  ASSERT_TRUE(r);
  ASSERT_TRUE(r->has_value());
  EXPECT_EQ(**r, 45s);
  EXPECT_EQ(gc.resyncKeys(), std::vector<std::string>{GarbageCollector::kKey});
}

}  // namespace
}  // namespace gantry::provisioner::nodeclaim
