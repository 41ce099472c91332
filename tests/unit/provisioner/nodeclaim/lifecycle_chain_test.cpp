// The whole lifecycle through LifecycleController over the fakes: a claim as the provisioner
// creates it is launched by a step(), registered when the kubelet's Node with its providerID
// appears (the Node event mapped back to the claim), then initialized and Ready, and marked
// Consolidatable when its NodePool's consolidateAfter has passed, each by the queue's own
// requeues and the events a cache would deliver.
#include <gtest/gtest.h>

#include "provisioner/nodeclaim/lifecycle_controller.h"
#include "provisioner/state/pod_events.h"
#include "tests/unit/provisioner/nodeclaim/launch_fixture.h"

namespace gantry::provisioner::nodeclaim {
namespace {

using namespace std::chrono_literals;
using json = nlohmann::json;
namespace nc = api::nodeclaim;

constexpr const char* kNodeName = "ip-10-0-0-1.ec2.internal";

class LifecycleChainTest : public testing::LaunchFixture {
 protected:
  LifecycleChainTest() {
    api::NodePool pool;
    pool.name = "gpu";
    pool.nodeClassRef = "default";
    pool.consolidateAfter = "30s";
    cluster_.putPool(pool);
    LifecycleShared s = shared();
    s.podEvents = &podEvents_;
    controller_ = std::make_unique<LifecycleController>(
        cluster_, cluster_, cloud_, events_, clock_, LifecycleControllerOptions{.workers = 1},
        std::move(s));
  }

  // What the kubelet registers for `providerId`: still tainted unregistered, not Ready yet.
  static json kubeletNode(const std::string& providerId) {
    return json{{"apiVersion", "v1"},
                {"kind", "Node"},
                {"metadata", {{"name", kNodeName}}},
                {"spec",
                 {{"providerID", providerId},
                  {"taints", json::array({{{"key", "gantry.dev/unregistered"},
                                           {"effect", "NoExecute"}}})}}},
                {"status",
                 {{"allocatable", {{"cpu", "3920m"}, {"memory", "15Gi"}, {"pods", "29"}}},
                  {"conditions",
                   json::array({{{"type", "Ready"}, {"status", "False"}}})}}}};
  }

  // What the node informer's handlers do on an add or update.
  void nodeEvent() { controller_->enqueueForNode(*cluster_.node(kNodeName)); }

  state::PodEvents podEvents_;
  std::unique_ptr<LifecycleController> controller_;
};

TEST_F(LifecycleChainTest, ClaimIsLaunchedRegisteredInitializedAndMarked) {
  cluster_.putClaim(pendingClaim());

  // Launch: the first step() resyncs every claim.
  EXPECT_EQ(controller_->step(), 1u);
  auto c = claim();
  ASSERT_TRUE(c->isTrue(nc::kLaunched));
  ASSERT_EQ(cloud_.launches, 1);
  const std::string providerId = c->providerId;
  EXPECT_FALSE(c->isTrue(nc::kRegistered));
  EXPECT_EQ(controller_->step(), 0u) << "nothing due until the Node appears";

  // Registration: the Node's event maps to the claim by providerID.
  cluster_.putNode(kubeletNode(providerId));
  nodeEvent();
  EXPECT_EQ(controller_->step(), 1u);
  c = claim();
  ASSERT_TRUE(c->isTrue(nc::kRegistered));
  EXPECT_EQ(c->nodeName, kNodeName);
  auto node = cluster_.rawNode(kNodeName);
  EXPECT_EQ(node->at("spec").at("taints").size(), 0u) << "unregistered taint removed";
  EXPECT_EQ(node->at("metadata").at("labels").at("node.kubernetes.io/instance-type"),
            "g4dn.xlarge")
      << "the claim's labels, recorded at launch, carried to the Node";

  // Not Ready yet: initialization waits (polling), without marks.
  nodeEvent();  // the adoption patch's own update event
  controller_->step();
  ASSERT_NE(claim()->condition(nc::kInitialized), nullptr);
  EXPECT_EQ(claim()->condition(nc::kInitialized)->reason, "NodeNotReady");
  EXPECT_FALSE(claim()->isTrue(nc::kReady));

  // The kubelet reports Ready.
  clock_.advance(1s);
  cluster_.editNode(kNodeName, [](json& n) { n["status"]["conditions"][0]["status"] = "True"; });
  nodeEvent();
  EXPECT_EQ(controller_->step(), 1u);
  c = claim();
  EXPECT_TRUE(c->isTrue(nc::kInitialized));
  EXPECT_TRUE(c->isTrue(nc::kReady));
  EXPECT_EQ(c->condition(nc::kConsolidatable), nullptr) << "consolidateAfter not passed";
  const auto initializedAt = c->condition(nc::kInitialized)->lastTransitionTime;
  EXPECT_EQ(events_.count("Launched", "gpu-a"), 1u);
  EXPECT_EQ(events_.count("Registered", "gpu-a"), 1u);
  EXPECT_EQ(events_.count("Initialized", "gpu-a"), 1u);

  // The queue brings it back when consolidateAfter has passed, with no other event.
  clock_.set(initializedAt + 29s);
  controller_->step();
  EXPECT_EQ(claim()->condition(nc::kConsolidatable), nullptr);
  clock_.set(initializedAt + 30s);
  EXPECT_GE(controller_->step(), 1u);
  ASSERT_NE(claim()->condition(nc::kConsolidatable), nullptr);
  EXPECT_TRUE(claim()->isTrue(nc::kConsolidatable));

  EXPECT_EQ(cloud_.launches, 1) << "one instance all along";
  EXPECT_EQ(cloud_.creates.size(), 1u);
  EXPECT_TRUE(failures_.empty());
}

}  // namespace
}  // namespace gantry::provisioner::nodeclaim
