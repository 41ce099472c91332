// The NodeClaim lifecycle controller over in-memory seams: registration adopts the Node,
// initialization waits for the GPU device plugin, the registration TTL terminates, the
// deletion finalizer terminates the instance before it lets go, a user-deleted Node takes
// its claim, conflicts are retried, and garbage collection handles orphans both ways.
#include <gtest/gtest.h>

#include <algorithm>

#include "provisioner/nodeclaim/lifecycle_controller.h"
#include "provisioner/nodeclaim/node_adoption.h"
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

constexpr const char* kPid = "aws:///us-east-1a/i-0abc";

bool hasTaintKey(const json& node, const std::string& key) {
  for (const auto& t : node.value("spec", json::object()).value("taints", json::array())) {
    if (t["key"] == key) return true;
  }
  return false;
}

class LifecycleTest : public ::testing::Test {
 protected:
  LifecycleTest() : cluster_(clock_) {
    cloud_.addInstance({.instanceId = "i-0abc", .providerId = kPid, .instanceType = "g4dn.xlarge",
                        .zone = "us-east-1a", .state = "running", .nodeClaimName = "gpu-1",
                        .launchTime = clock_.now()});
    controller_ = std::make_unique<LifecycleController>(
        cluster_, cluster_, cloud_, events_, clock_,
        LifecycleControllerOptions{.workers = 1});
  }

  api::NodeClaim launchedClaim() {
    api::NodeClaim c;
    c.name = "gpu-1";
    c.labels = {{"gantry.dev/nodepool", "gpu"},
                {"gantry.dev/capacity-type", "on-demand"},
                {"node.kubernetes.io/instance-type", "g4dn.xlarge"},
                {"topology.kubernetes.io/zone", "us-east-1a"}};
    c.finalizers = {std::string(nc::kTerminationFinalizer)};
    c.nodeClassRef = {.group = "gantry.dev", .kind = "EC2NodeClass", .name = "default"};
    c.taints = {{.key = "nvidia.com/gpu", .value = "true", .effect = api::TaintEffect::kNoSchedule}};
    c.startupTaints = {{.key = "example.com/agent-not-ready", .value = "", .effect = api::TaintEffect::kNoExecute}};
    c.resourceRequests.set("cpu", api::Quantity::fromValue(2));
    c.resourceRequests.set("nvidia.com/gpu", api::Quantity::fromValue(1));
    c.providerId = kPid;
    c.setCondition(nc::kLaunched, api::ConditionStatus::kTrue, "Launched", "", clock_.now());
    return c;
  }

  // What the node bootstrapper / kubelet registers.
  json kubeletNode(bool ready = true) {
    return json{{"apiVersion", "v1"},
                {"kind", "Node"},
                {"metadata",
                 {{"name", "ip-10-0-0-1.ec2.internal"},
                  {"labels", {{"kubernetes.io/hostname", "ip-10-0-0-1"},
                              {"node.kubernetes.io/instance-type", "g4dn.xlarge"}}}}},
                {"spec",
                 {{"providerID", kPid},
                  {"taints", json::array({{{"key", "gantry.dev/unregistered"}, {"effect", "NoExecute"}},
                                          {{"key", "node.kubernetes.io/not-ready"}, {"effect", "NoSchedule"}}})}}},
                {"status",
                 {{"allocatable", {{"cpu", "3920m"}, {"memory", "14Gi"}, {"pods", "29"}}},
                  {"conditions", json::array({{{"type", "Ready"}, {"status", ready ? "True" : "False"}}})}}}};
  }

  // Everything due now, plus a few rounds of what it requeued (with time moving on).
  void settle(int rounds = 5) {
    for (int i = 0; i < rounds; ++i) {
      controller_->step();
      clock_.advance(3s);
    }
  }

  std::shared_ptr<const api::NodeClaim> claim() { return cluster_.nodeClaim("gpu-1"); }

  FakeClock clock_;
  FakeCluster cluster_;
  FakeCloud cloud_;
  kube::FakeEventRecorder events_;
  std::unique_ptr<LifecycleController> controller_;
};

TEST_F(LifecycleTest, RegistrationAdoptsNodeAndRemovesUnregisteredTaint) {
  api::NodePool pool;
  pool.name = "gpu";
  pool.labels = {{"team", "ml"}};
  cluster_.putPool(pool);
  cluster_.putClaim(launchedClaim());
  cluster_.putNode(kubeletNode());

  controller_->step();

  auto node = cluster_.rawNode("ip-10-0-0-1.ec2.internal");
  ASSERT_TRUE(node);
  EXPECT_FALSE(hasTaintKey(*node, "gantry.dev/unregistered"));
  EXPECT_TRUE(hasTaintKey(*node, "node.kubernetes.io/not-ready")) << "foreign taints are kept";
  EXPECT_TRUE(hasTaintKey(*node, "nvidia.com/gpu"));
  EXPECT_TRUE(hasTaintKey(*node, "example.com/agent-not-ready"));
  json labels = (*node)["metadata"]["labels"];
  SCOPED_TRACE(node->dump());
  EXPECT_EQ(labels["gantry.dev/nodepool"], "gpu");
  EXPECT_EQ(labels["gantry.dev/capacity-type"], "on-demand");
  EXPECT_EQ(labels["topology.kubernetes.io/zone"], "us-east-1a");
  EXPECT_EQ(labels["team"], "ml");
  EXPECT_EQ(labels["kubernetes.io/hostname"], "ip-10-0-0-1");
  ASSERT_EQ((*node)["metadata"]["ownerReferences"].size(), 1u);
  EXPECT_EQ((*node)["metadata"]["ownerReferences"][0]["kind"], "NodeClaim");
  EXPECT_EQ((*node)["metadata"]["ownerReferences"][0]["uid"], "uid-gpu-1");
  EXPECT_EQ((*node)["metadata"]["finalizers"], json::array({"gantry.dev/termination"}));

  ASSERT_TRUE(claim());
  EXPECT_TRUE(claim()->isTrue(nc::kRegistered));
  EXPECT_EQ(claim()->nodeName, "ip-10-0-0-1.ec2.internal");
  EXPECT_FALSE(claim()->isTrue(nc::kInitialized));
  EXPECT_EQ(events_.count("Registered", "gpu-1"), 1u);

  // Idempotent: more passes write nothing to the Node (startup taints are not put back).
  cluster_.editNode("ip-10-0-0-1.ec2.internal", [](json& n) {
    auto& taints = n["spec"]["taints"];
    taints.erase(std::remove_if(taints.begin(), taints.end(),
                                [](const json& t) { return t["key"] == "example.com/agent-not-ready"; }),
                 taints.end());
  });
  settle();
  EXPECT_FALSE(hasTaintKey(*cluster_.rawNode("ip-10-0-0-1.ec2.internal"), "example.com/agent-not-ready"));
  auto calls = cluster_.calls();
  EXPECT_EQ(std::count(calls.begin(), calls.end(), "patchNode"), 1);
}

TEST_F(LifecycleTest, InitializationWaitsForGpuResourceThenReady) {
  cluster_.putClaim(launchedClaim());
  cluster_.putNode(kubeletNode());
  settle();
  ASSERT_TRUE(claim()->isTrue(nc::kRegistered));
  // The startup taint still there: not initialized.
  ASSERT_NE(claim()->condition(nc::kInitialized), nullptr);
  EXPECT_EQ(claim()->condition(nc::kInitialized)->reason, "StartupTaintsExist");

  const std::string name = "ip-10-0-0-1.ec2.internal";
  cluster_.editNode(name, [](json& n) {
    n["spec"]["taints"] = json::array({{{"key", "nvidia.com/gpu"}, {"value", "true"}, {"effect", "NoSchedule"}}});
  });
  settle();
  ASSERT_NE(claim()->condition(nc::kInitialized), nullptr);
  EXPECT_EQ(claim()->condition(nc::kInitialized)->status, api::ConditionStatus::kUnknown);
  EXPECT_EQ(claim()->condition(nc::kInitialized)->reason, "ResourceNotRegistered");
  EXPECT_NE(claim()->condition(nc::kInitialized)->message.find("nvidia.com/gpu"), std::string::npos);
  EXPECT_FALSE(claim()->isTrue(nc::kReady));
  EXPECT_EQ(events_.count("Initialized"), 0u);

  // The device plugin starts.
  cluster_.editNode(name, [](json& n) { n["status"]["allocatable"]["nvidia.com/gpu"] = "1"; });
  settle();
  EXPECT_TRUE(claim()->isTrue(nc::kInitialized));
  EXPECT_TRUE(claim()->isTrue(nc::kReady));
  EXPECT_EQ(events_.count("Initialized", "gpu-1"), 1u);

  // Later NotReady does not un-initialize.
  cluster_.editNode(name, [](json& n) { n["status"]["conditions"][0]["status"] = "False"; });
  settle();
  EXPECT_TRUE(claim()->isTrue(nc::kInitialized));
}

TEST_F(LifecycleTest, NotReadyNodeIsNotInitialized) {
  auto c = launchedClaim();
  c.startupTaints.clear();
  cluster_.putClaim(c);
  auto node = kubeletNode(false);
  node["status"]["allocatable"]["nvidia.com/gpu"] = "1";
  cluster_.putNode(node);
  settle();
  EXPECT_TRUE(claim()->isTrue(nc::kRegistered));
  EXPECT_EQ(claim()->condition(nc::kInitialized)->reason, "NodeNotReady");
}

TEST_F(LifecycleTest, RegistrationTtlTerminatesInstanceAndDeletesClaim) {
  cluster_.putClaim(launchedClaim());
  controller_->step();
  clock_.advance(14min);
  controller_->step();
  EXPECT_EQ(cloud_.deletes, 0);
  EXPECT_FALSE(claim()->deleting());

  clock_.advance(1min + 1s);
  controller_->step();
  EXPECT_EQ(cloud_.state(kPid), "shutting-down");
  EXPECT_EQ(events_.count("RegistrationTimeout", "gpu-1"), 1u);
  ASSERT_TRUE(claim());
  EXPECT_TRUE(claim()->deleting()) << "deleted, held by the finalizer";

  // The finalizer holds until the cloud says the instance is gone.
  settle();
  ASSERT_TRUE(claim());
  cloud_.reap();
  settle();
  EXPECT_FALSE(claim()) << "finalizer removed once the instance is gone";
  EXPECT_EQ(events_.count("Terminated", "gpu-1"), 1u);
}

TEST_F(LifecycleTest, CustomTtlIsHonoured) {
  controller_ = std::make_unique<LifecycleController>(
      cluster_, cluster_, cloud_, events_, clock_,
      LifecycleControllerOptions{.lifecycle = {.registrationTtl = 30s}});
  cluster_.putClaim(launchedClaim());
  controller_->step();
  clock_.advance(31s);
  controller_->step();
  EXPECT_TRUE(claim()->deleting());
}

TEST_F(LifecycleTest, DeletionCordonsDeletesNodeTerminatesInstanceThenReleases) {
  cluster_.putClaim(launchedClaim());
  cluster_.putNode(kubeletNode());
  settle();
  const std::string node = "ip-10-0-0-1.ec2.internal";
  ASSERT_TRUE(cluster_.rawNode(node));

  cluster_.userDelete("claim", "gpu-1");
  controller_->step();
  EXPECT_FALSE(cluster_.rawNode(node)) << "node deleted and our finalizer removed";
  EXPECT_EQ(cloud_.state(kPid), "shutting-down");
  ASSERT_TRUE(claim()) << "finalizer held while the instance terminates";
  EXPECT_TRUE(claim()->hasFinalizer(nc::kTerminationFinalizer));
  auto calls = cluster_.calls();
  EXPECT_NE(std::find(calls.begin(), calls.end(), "deleteNode"), calls.end());

  cloud_.reap();  // terminated: deleteInstance now answers kNotFound
  settle();
  EXPECT_FALSE(claim());
}

TEST_F(LifecycleTest, DeletionOfClaimThatNeverLaunchedReleasesAtOnce) {
  auto c = launchedClaim();
  c.providerId.clear();
  c.conditions.clear();
  cluster_.putClaim(c);
  cluster_.userDelete("claim", "gpu-1");
  controller_->step();
  EXPECT_FALSE(claim());
  EXPECT_EQ(cloud_.deletes, 0);
}

TEST_F(LifecycleTest, AFailedLaunchIsActedOnOnceThoughTheCacheStillShowsTheDeletedClaim) {
  state::LaunchBackoff backoff;
  int reported = 0;
  LifecycleController controller(
      cluster_, cluster_, cloud_, events_, clock_, {.workers = 1},
      {.launchBackoff = &backoff,
       .onLaunchFailed = [&](const std::string&, bool) { ++reported; }});
  api::InstanceType type;
  type.name = "g4dn.xlarge";
  type.offerings = {{.zone = "us-east-1a", .pricePerHour = 0.526}};
  cloud_.catalog = std::make_shared<const api::InstanceTypes>(api::InstanceTypes{type});
  cloud_.createErrors = {Status::invalid("no AMI matches"), Status::invalid("no AMI matches")};
  auto c = launchedClaim();
  c.providerId.clear();
  c.conditions.clear();
  cluster_.putClaim(c);

  controller.enqueue("gpu-1");
  controller.step();
  ASSERT_TRUE(claim());
  ASSERT_TRUE(claim()->deleting()) << "deleted; the finalizer holds it";
  ASSERT_EQ(cloud_.creates.size(), 1u);
  // The cache lags: the Launched=False status written before the delete arrives first, and
  // its update event brings the claim back without a deletionTimestamp.
  api::NodeClaim stale = *claim();
  stale.deletionTimestamp.reset();
  cluster_.putClaim(stale);
  controller.enqueue("gpu-1");
  controller.step();
  EXPECT_EQ(cloud_.creates.size(), 1u) << "a deleted claim is not launched again";
  EXPECT_EQ(events_.count("LaunchFailed", "gpu-1"), 1u);
  EXPECT_EQ(reported, 1);
  auto hold = backoff.held("gpu", "default", clock_.now());
  ASSERT_TRUE(hold);
  EXPECT_EQ(hold->failures, 1) << "one failure, counted once";

  // Then the deletion arrives: released (nothing was launched).
  cluster_.userDelete("claim", "gpu-1");
  controller.enqueue("gpu-1");
  controller.step();
  EXPECT_FALSE(claim());
}

TEST_F(LifecycleTest, UserDeletedNodeDeletesItsClaim) {
  cluster_.putClaim(launchedClaim());
  cluster_.putNode(kubeletNode());
  settle();
  cluster_.userDelete("node", "ip-10-0-0-1.ec2.internal");  // held by our finalizer
  ASSERT_TRUE(cluster_.node("ip-10-0-0-1.ec2.internal")->deleting);
  settle();
  EXPECT_EQ(events_.count("NodeDeleted", "gpu-1"), 1u);
  EXPECT_FALSE(cluster_.rawNode("ip-10-0-0-1.ec2.internal"));
  cloud_.reap();
  settle();
  EXPECT_FALSE(claim());
  EXPECT_FALSE(cloud_.exists(kPid));
}

TEST_F(LifecycleTest, ConflictAndErrorsAreRetriedWithBackoff) {
  cluster_.putClaim(launchedClaim());
  cluster_.putNode(kubeletNode());
  cluster_.failNext("patchNode", Status::conflict("the object has been modified"));
  controller_->step();
  EXPECT_FALSE(claim()->isTrue(nc::kRegistered));
  EXPECT_EQ(controller_->queue().size(), 1u) << "requeued with backoff";
  clock_.advance(1s);
  controller_->step();
  EXPECT_TRUE(claim()->isTrue(nc::kRegistered));

  cluster_.userDelete("claim", "gpu-1");
  controller_->enqueue("gpu-1");  // what the informer's update event does
  controller_->step();
  EXPECT_EQ(cloud_.state(kPid), "shutting-down");
  cloud_.reap();
  cluster_.failNext("patchNodeClaim", Status::unavailable("apiserver down"));
  settle();
  auto calls = cluster_.calls();
  EXPECT_GE(std::count(calls.begin(), calls.end(), "patchNodeClaim"), 2);
  EXPECT_FALSE(claim()) << "finalizer removal retried";
}

TEST_F(LifecycleTest, ServerNodeWithHostileTaintsIsRefusedWithAnEvent) {
  // The cache's copy decoded but the server's current copy is malformed: no patch is built.
  json hostile = kubeletNode();
  hostile["spec"]["taints"] = "not a list";
  auto patch = adoptionPatch(hostile, launchedClaim(), nullptr);
  ASSERT_FALSE(patch);
  EXPECT_TRUE(patch.error().isInvalid());
  hostile["spec"]["taints"] = json::array({42});
  EXPECT_FALSE(adoptionPatch(hostile, launchedClaim(), nullptr));
  EXPECT_FALSE(adoptionPatch(json::array(), launchedClaim(), nullptr));
}

TEST_F(LifecycleTest, UndecodableNodeIsNeverAdopted) {
  cluster_.putClaim(launchedClaim());
  auto node = kubeletNode();
  node["spec"]["taints"] = "not a list";
  cluster_.putNode(node);
  settle();
  EXPECT_FALSE(claim()->isTrue(nc::kRegistered));
  EXPECT_TRUE(cluster_.rawNode("ip-10-0-0-1.ec2.internal")->at("spec").at("taints").is_string())
      << "the Node is left as it is";
}

}  // namespace
}  // namespace gantry::provisioner::nodeclaim

namespace gantry::provisioner::nodeclaim {
namespace {

TEST(NodeDecodeTest, DeletionTimestampMarksTheNodeDeleting) {
  nlohmann::json node{{"metadata", {{"name", "n1"}}}, {"spec", {{"providerID", "aws:///a/i-1"}}}};
  auto live = api::decodeNode(node);
  ASSERT_TRUE(live);
  EXPECT_FALSE(live->deleting);
  node["metadata"]["deletionTimestamp"] = "2026-01-02T15:04:05Z";
  auto deleting = api::decodeNode(node);
  ASSERT_TRUE(deleting);
  EXPECT_TRUE(deleting->deleting);
}

}  // namespace
}  // namespace gantry::provisioner::nodeclaim
