// The termination finalizer's drain over the in-memory seams: pods are evicted before the Node
// and instance go, a PodDisruptionBudget's 429 keeps the finalizer and is retried with
// backoff, a spent terminationGracePeriod deletes what is left, and a Node that never
// registered is not drained. (The pod selection alone: drain_selection_test.cpp.)
#include <gtest/gtest.h>

#include <algorithm>

#include "provisioner/nodeclaim/lifecycle_controller.h"
#include "tests/fakes/fake_clock.h"
#include "tests/fakes/fake_event_recorder.h"
#include "tests/unit/provisioner/nodeclaim/fake_lifecycle.h"

namespace gantry::provisioner::nodeclaim {
namespace {

using namespace std::chrono_literals;
using testing::FakeCloud;
using testing::FakeCluster;
using testing::PodSpec;
using json = nlohmann::json;
namespace nc = api::nodeclaim;

constexpr const char* kPid = "aws:///us-east-1a/i-0drain";
constexpr const char* kNode = "ip-10-0-0-9.ec2.internal";

json podJson(const std::string& name, const PodSpec& s = {}) { return testing::podJson(name, kNode, s); }

// --- the termination finalizer with a drain

class DrainTest : public ::testing::Test {
 protected:
  DrainTest() : cluster_(clock_) {
    cloud_.addInstance({.instanceId = "i-0drain", .providerId = kPid, .instanceType = "m5.large",
                        .zone = "us-east-1a", .state = "running", .nodeClaimName = "c1",
                        .launchTime = clock_.now()});
    controller_ = std::make_unique<LifecycleController>(
        cluster_, cluster_, cloud_, events_, clock_,
        LifecycleControllerOptions{.lifecycle = {.pollInterval = 2s, .evictionRetry = 1s,
                                                 .maxEvictionRetry = 8s},
                                   .workers = 1,
                                   // Far off, so the tests see the drain's own requeues.
                                   .resyncPeriod = 1h});
  }

  // A launched claim whose Node registers (and is adopted) at the first step.
  void registeredClaim(const std::string& grace = "") {
    api::NodeClaim c;
    c.name = "c1";
    c.labels = {{"gantry.dev/nodepool", "default"}};
    c.finalizers = {std::string(nc::kTerminationFinalizer)};
    c.nodeClassRef = {.group = "gantry.dev", .kind = "EC2NodeClass", .name = "default"};
    c.providerId = kPid;
    c.terminationGracePeriod = grace;
    c.setCondition(nc::kLaunched, api::ConditionStatus::kTrue, "Launched", "", clock_.now());
    cluster_.putClaim(c);
    cluster_.putNode(json{
        {"metadata", {{"name", kNode}}},
        {"spec", {{"providerID", kPid}}},
        {"status", {{"allocatable", {{"cpu", "2"}, {"pods", "29"}}},
                    {"conditions", json::array({{{"type", "Ready"}, {"status", "True"}}})}}}});
    controller_->step();
    ASSERT_TRUE(claim()->isTrue(nc::kRegistered));
  }

  void deleteClaim() {
    cluster_.userDelete("claim", "c1");
    controller_->enqueue("c1");
  }
  // Runs what is due after `d`.
  void after(Clock::Duration d) {
    clock_.advance(d);
    controller_->step();
  }

  std::shared_ptr<const api::NodeClaim> claim() { return cluster_.nodeClaim("c1"); }
  bool nodeHasTaint(const std::string& key) {
    auto node = cluster_.rawNode(kNode);
    if (!node) return false;
    for (const auto& t : (*node)["spec"].value("taints", json::array())) {
      if (t["key"] == key) return true;
    }
    return false;
  }
  std::size_t count(const std::string& method) {
    auto calls = cluster_.calls();
    return static_cast<std::size_t>(std::count(calls.begin(), calls.end(), method));
  }
  std::vector<kube::FakeEventRecorder::Event> eventsWith(const std::string& reason) {
    std::vector<kube::FakeEventRecorder::Event> out;
    for (const auto& e : events_.events()) {
      if (e.reason == reason) out.push_back(e);
    }
    return out;
  }

  FakeClock clock_;
  FakeCluster cluster_;
  FakeCloud cloud_;
  kube::FakeEventRecorder events_;
  std::unique_ptr<LifecycleController> controller_;
};

TEST_F(DrainTest, EvictsPodsBeforeTheNodeAndInstanceGo) {
  registeredClaim();
  cluster_.putPod(podJson("web-1", {.owner = "ReplicaSet"}));
  cluster_.putPod(podJson("web-2", {.owner = "ReplicaSet"}));
  cluster_.putPod(podJson("ds", {.owner = "DaemonSet"}));
  cluster_.putPod(podJson("coredns", {.ns = "kube-system", .priority = 2000000000}));

  deleteClaim();
  controller_->step();
  EXPECT_TRUE(nodeHasTaint("gantry.dev/disrupted"));
  EXPECT_EQ(cluster_.rawNode(kNode)->at("spec").at("unschedulable"), true);
  EXPECT_EQ(cluster_.evicted(), (std::vector<std::string>{"default/web-1", "default/web-2"}))
      << "ordinary pods first; the critical one waits, the DaemonSet pod stays";
  ASSERT_EQ(eventsWith("Draining").size(), 1u);
  EXPECT_NE(eventsWith("Draining")[0].message.find("3 pods"), std::string::npos)
      << eventsWith("Draining")[0].message;
  EXPECT_EQ(cloud_.deletes, 0) << "nothing terminated while pods are on the node";
  EXPECT_EQ(count("deleteNode"), 0u);

  // Still terminating: the drain waits (polls), evicting nothing new.
  after(2s);
  EXPECT_EQ(cluster_.evicted().size(), 2u);
  EXPECT_EQ(cloud_.deletes, 0);

  cluster_.finishTerminatingPods();
  after(2s);
  EXPECT_EQ(cluster_.evicted().back(), "kube-system/coredns") << "critical pods last";
  EXPECT_EQ(cloud_.deletes, 0);
  EXPECT_EQ(count("deleteNode"), 0u);

  cluster_.finishTerminatingPods();
  after(2s);
  EXPECT_EQ(eventsWith("Drained").size(), 1u);
  EXPECT_FALSE(cluster_.rawNode(kNode)) << "node deleted once drained";
  EXPECT_EQ(cloud_.state(kPid), "shutting-down");
  EXPECT_TRUE(cluster_.hasPod("default/ds")) << "DaemonSet pods are not evicted";
  EXPECT_EQ(cluster_.evicted().size(), 3u);

  cloud_.reap();
  after(2s);
  EXPECT_FALSE(claim());
}

TEST_F(DrainTest, RefusedEvictionKeepsTheFinalizerAndRetriesWithBackoff) {
  registeredClaim();
  cluster_.putPod(podJson("db-0", {.owner = "StatefulSet"}));
  cluster_.protectPod("default/db-0");

  deleteClaim();
  controller_->step();
  ASSERT_EQ(eventsWith("EvictionBlocked").size(), 1u);
  const auto blocked = eventsWith("EvictionBlocked")[0];
  EXPECT_EQ(blocked.type, kube::EventType::kWarning);
  EXPECT_EQ(blocked.object.name, "c1");
  EXPECT_NE(blocked.message.find("cannot evict default/db-0"), std::string::npos) << blocked.message;
  EXPECT_NE(blocked.message.find("PodDisruptionBudget"), std::string::npos) << blocked.message;
  EXPECT_EQ(count("evictPod"), 1u);

  // Backoff: 1s, 2s, 4s, 8s, 8s between attempts.
  after(999ms);
  EXPECT_EQ(count("evictPod"), 1u);
  after(1ms);
  EXPECT_EQ(count("evictPod"), 2u);
  after(1s);
  EXPECT_EQ(count("evictPod"), 2u);
  after(1s);
  EXPECT_EQ(count("evictPod"), 3u);
  after(4s);
  after(8s);
  after(8s);
  EXPECT_EQ(count("evictPod"), 6u);
  ASSERT_TRUE(claim());
  EXPECT_TRUE(claim()->hasFinalizer(nc::kTerminationFinalizer));
  EXPECT_TRUE(cluster_.rawNode(kNode));
  EXPECT_EQ(cloud_.deletes, 0);
  EXPECT_TRUE(cluster_.hasPod("default/db-0"));

  // The budget allows it now.
  cluster_.unprotectPod("default/db-0");
  after(8s);
  EXPECT_EQ(cluster_.evicted(), std::vector<std::string>{"default/db-0"});
  EXPECT_EQ(cloud_.deletes, 0);
  cluster_.finishTerminatingPods();
  after(2s);
  EXPECT_FALSE(cluster_.rawNode(kNode));
  EXPECT_EQ(cloud_.state(kPid), "shutting-down");
  cloud_.reap();
  after(2s);
  EXPECT_FALSE(claim());
}

TEST_F(DrainTest, GracePeriodExceededDeletesTheRemainingPods) {
  registeredClaim("1m");
  cluster_.putPod(podJson("db-0", {.owner = "StatefulSet"}));
  cluster_.putPod(podJson("coredns", {.ns = "kube-system", .priority = 2000000000}));
  cluster_.protectPod("default/db-0");

  deleteClaim();
  controller_->step();
  for (int i = 0; i < 5; ++i) after(8s);  // 40s: still within the grace period
  EXPECT_TRUE(cluster_.hasPod("default/db-0"));
  EXPECT_EQ(cloud_.deletes, 0);

  after(20s);  // 60s since the deletion
  EXPECT_EQ(cluster_.deletedPods(),
            (std::vector<std::string>{"default/db-0", "kube-system/coredns"}));
  EXPECT_EQ(eventsWith("TerminationGracePeriodExceeded").size(), 1u);
  EXPECT_FALSE(cluster_.rawNode(kNode));
  EXPECT_EQ(cloud_.state(kPid), "shutting-down");
}

TEST_F(DrainTest, GracePeriodBoundsTheWaitBetweenAttempts) {
  registeredClaim("5s");
  cluster_.putPod(podJson("db-0"));
  cluster_.protectPod("default/db-0");
  deleteClaim();
  controller_->step();
  after(1s);
  after(2s);  // 3s: the next backoff would be 4s, but the grace period ends at 5s
  EXPECT_TRUE(cluster_.hasPod("default/db-0"));
  after(2s);
  EXPECT_FALSE(cluster_.hasPod("default/db-0"));
  EXPECT_EQ(cloud_.state(kPid), "shutting-down");
}

TEST_F(DrainTest, EvictionErrorsAreRetriedAndGonePodsAreFine) {
  registeredClaim();
  cluster_.putPod(podJson("a"));
  cluster_.putPod(podJson("b"));
  cluster_.failNext("evictPod", Status::unavailable("apiserver down"));
  deleteClaim();
  controller_->step();
  EXPECT_EQ(cluster_.evicted(), std::vector<std::string>{"default/b"}) << "the others still go";
  EXPECT_EQ(controller_->queue().size(), 1u) << "requeued with backoff";
  ASSERT_TRUE(claim());

  // `a` vanished between the cache read and the call (404): not an error.
  cluster_.failNext("evictPod", Status::notFound("pods a"));
  after(1s);
  EXPECT_EQ(cluster_.evicted(), std::vector<std::string>{"default/b"});
  EXPECT_EQ(controller_->queue().size(), 1u);

  // The cache still shows `a`: it is evicted for real on the next pass.
  cluster_.finishTerminatingPods();
  after(2s);
  EXPECT_EQ(cluster_.evicted(), (std::vector<std::string>{"default/b", "default/a"}));
  EXPECT_EQ(cloud_.deletes, 0);
  cluster_.finishTerminatingPods();
  after(2s);
  EXPECT_FALSE(cluster_.rawNode(kNode));
  EXPECT_EQ(cloud_.state(kPid), "shutting-down");
}

TEST_F(DrainTest, NotReadyNodeDoesNotWaitForTerminatingPods) {
  registeredClaim();
  cluster_.putPod(podJson("stuck", {.terminating = true}));
  cluster_.editNode(kNode, [](json& n) { n["status"]["conditions"][0]["status"] = "False"; });
  deleteClaim();
  controller_->step();
  EXPECT_FALSE(cluster_.rawNode(kNode)) << "no kubelet will finish the pod";
  EXPECT_EQ(cloud_.state(kPid), "shutting-down");
}

TEST_F(DrainTest, ClaimWhoseNodeNeverRegisteredIsNotDrained) {
  api::NodeClaim c;
  c.name = "c1";
  c.finalizers = {std::string(nc::kTerminationFinalizer)};
  c.nodeClassRef = {.group = "gantry.dev", .kind = "EC2NodeClass", .name = "default"};
  c.providerId = kPid;
  c.setCondition(nc::kLaunched, api::ConditionStatus::kTrue, "Launched", "", clock_.now());
  cluster_.putClaim(c);
  cluster_.putPod(podJson("web"));  // bound to a Node that is not there
  deleteClaim();
  controller_->step();
  EXPECT_EQ(count("evictPod"), 0u);
  EXPECT_EQ(eventsWith("Draining").size(), 0u);
  EXPECT_EQ(cloud_.state(kPid), "shutting-down");
}

}  // namespace
}  // namespace gantry::provisioner::nodeclaim
