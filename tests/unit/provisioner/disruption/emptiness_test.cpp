// The emptiness test (nodeIsEmpty) and the Emptiness method over the in-memory cluster: a node
// is empty when no pod other than DaemonSet and mirror pods is on it in a non-terminal phase
// (Succeeded and Failed do not count; Pending, ContainerCreating and Unknown do), no pending
// pod is nominated to it by the scheduler, and the provisioner has no live nomination onto the
// Node or its NodeClaim. The method wants the Consolidatable mark and is enabled by any
// consolidateAfter but Never, under both consolidation policies.
#include <gtest/gtest.h>

#include "provisioner/disruption/emptiness.h"
#include "tests/fakes/fake_clock.h"
#include "tests/unit/provisioner/nodeclaim/fake_lifecycle.h"

namespace gantry::provisioner::disruption {
namespace {

using namespace std::chrono_literals;
using nodeclaim::testing::FakeCluster;
using nodeclaim::testing::podJson;
using nodeclaim::testing::PodSpec;
using json = nlohmann::json;
namespace nc = api::nodeclaim;

constexpr const char* kNode = "ip-10-0-0-1.ec2.internal";
constexpr const char* kClaim = "gpu-1";

// A pending pod, not bound, that the scheduler nominated to `node` (preemption made room).
json nominatedPod(const std::string& name, const std::string& node) {
  json pod = podJson(name, "", PodSpec{.owner = "Job", .phase = "Pending"});
  pod["status"]["nominatedNodeName"] = node;
  return pod;
}

class EmptinessTest : public ::testing::Test {
 protected:
  EmptinessTest() : cluster_(clock_), now_(clock_.now()) {}

  bool empty(const state::Nominations* nominations = nullptr) const {
    return nodeIsEmpty(cluster_, nominations, kNode, kClaim, now_);
  }

  FakeClock clock_;
  FakeCluster cluster_;
  const Clock::TimePoint now_;
};

TEST_F(EmptinessTest, NoPodsIsEmpty) { EXPECT_TRUE(empty()); }

TEST_F(EmptinessTest, DaemonSetAndMirrorPodsDoNotCount) {
  cluster_.putPod(podJson("fluentd", kNode, PodSpec{.ns = "kube-system", .owner = "DaemonSet"}));
  cluster_.putPod(podJson("nvidia-device-plugin", kNode,
                          PodSpec{.ns = "kube-system", .owner = "DaemonSet", .phase = "Pending"}));
  cluster_.putPod(podJson("kube-proxy", kNode,
                          PodSpec{.ns = "kube-system", .owner = "Node", .mirror = true}));
  EXPECT_TRUE(empty());
}

TEST_F(EmptinessTest, ARunningWorkloadPodMakesItNotEmpty) {
  for (const std::string owner : {"ReplicaSet", "Job", "TFJob", ""}) {
    SCOPED_TRACE("owner=" + owner);
    FakeCluster cluster(clock_);
    cluster.putPod(podJson("trainer", kNode, PodSpec{.owner = owner}));
    EXPECT_FALSE(nodeIsEmpty(cluster, nullptr, kNode, kClaim, now_));
  }
}

TEST_F(EmptinessTest, WorkNotYetStartedCounts) {
  // Bound but Pending: the image is still being pulled, or the containers are being created
  // (ContainerCreating is a container state within the Pending phase). Unknown is not terminal.
  for (const std::string phase : {"Pending", "Unknown"}) {
    SCOPED_TRACE("phase=" + phase);
    FakeCluster cluster(clock_);
    cluster.putPod(podJson("trial", kNode, PodSpec{.owner = "Job", .phase = phase}));
    EXPECT_FALSE(nodeIsEmpty(cluster, nullptr, kNode, kClaim, now_));
  }
}

TEST_F(EmptinessTest, TerminalPodsDoNotCount) {
  cluster_.putPod(podJson("trial-1", kNode, PodSpec{.owner = "Job", .phase = "Succeeded"}));
  cluster_.putPod(podJson("trial-2", kNode, PodSpec{.owner = "Job", .phase = "Failed"}));
  EXPECT_TRUE(empty());
}

TEST_F(EmptinessTest, ATerminatingPodStillRunningCounts) {
  // Its phase is not terminal yet: the node is not empty until the pod has finished.
  cluster_.putPod(podJson("trainer", kNode, PodSpec{.owner = "Job", .terminating = true}));
  EXPECT_FALSE(empty());
}

TEST_F(EmptinessTest, PodsOnOtherNodesDoNotCount) {
  cluster_.putPod(podJson("elsewhere", "ip-10-0-0-2.ec2.internal", PodSpec{.owner = "Job"}));
  EXPECT_TRUE(empty());
}

TEST_F(EmptinessTest, APodTheSchedulerNominatedToTheNodeCounts) {
  cluster_.putPod(nominatedPod("preemptor", kNode));
  EXPECT_FALSE(empty());
}

TEST_F(EmptinessTest, APodNominatedToAnotherNodeDoesNotCount) {
  cluster_.putPod(nominatedPod("preemptor", "ip-10-0-0-2.ec2.internal"));
  EXPECT_TRUE(empty());
}

TEST_F(EmptinessTest, AProvisionerNominationOntoTheNodeCounts) {
  state::Nominations nominations(20s);
  nominations.nominate(kNode, {"default/trial-7"}, now_ - 5s);
  EXPECT_FALSE(empty(&nominations));
  EXPECT_TRUE(empty(nullptr)) << "without the nominations the node is empty";
}

TEST_F(EmptinessTest, AProvisionerNominationOntoTheNodeClaimCounts) {
  state::Nominations nominations(20s);
  nominations.nominate(kClaim, {"default/trial-7"}, now_);
  EXPECT_FALSE(empty(&nominations));
}

TEST_F(EmptinessTest, AnExpiredProvisionerNominationDoesNotCount) {
  state::Nominations nominations(20s);
  nominations.nominate(kNode, {"default/trial-7"}, now_ - 20s);
  nominations.nominate(kClaim, {"default/trial-8"}, now_ - 21s);
  EXPECT_TRUE(empty(&nominations));
}

TEST_F(EmptinessTest, ANominationOfAnotherTargetDoesNotCount) {
  state::Nominations nominations(20s);
  nominations.nominate("gpu-2", {"default/trial-7"}, now_);
  nominations.nominate("ip-10-0-0-2.ec2.internal", {"default/trial-8"}, now_);
  EXPECT_TRUE(empty(&nominations));
}

// --- the method

api::NodeClaim claim(std::optional<api::ConditionStatus> consolidatable, Clock::TimePoint at) {
  api::NodeClaim c;
  c.name = kClaim;
  c.labels = {{"gantry.dev/nodepool", "gpu"}};
  c.nodeName = kNode;
  c.setCondition(nc::kInitialized, api::ConditionStatus::kTrue, "Initialized", "", at);
  if (consolidatable) c.setCondition(nc::kConsolidatable, *consolidatable, "", "", at);
  return c;
}

api::Node node() {
  api::Node n;
  n.name = kNode;
  return n;
}

TEST_F(EmptinessTest, QualifiesOnlyWhenConsolidatableAndEmpty) {
  Emptiness method(cluster_, nullptr);
  EXPECT_EQ(method.reason(), DisruptionReason::kEmpty);
  auto pool = std::make_shared<api::NodePool>();
  auto n = std::make_shared<api::Node>(node());
  auto candidate = [&](std::optional<api::ConditionStatus> c) {
    return Candidate{.claim = std::make_shared<api::NodeClaim>(claim(c, now_)), .node = n,
                     .pool = pool};
  };
  EXPECT_TRUE(method.qualifies(candidate(api::ConditionStatus::kTrue), now_));
  EXPECT_FALSE(method.qualifies(candidate(api::ConditionStatus::kFalse), now_))
      << "consolidateAfter has not passed since the last pod event";
  EXPECT_FALSE(method.qualifies(candidate(api::ConditionStatus::kUnknown), now_));
  EXPECT_FALSE(method.qualifies(candidate(std::nullopt), now_)) << "never marked";

  cluster_.putPod(podJson("trainer", kNode, PodSpec{.owner = "Job"}));
  EXPECT_FALSE(method.qualifies(candidate(api::ConditionStatus::kTrue), now_))
      << "marked, but a pod arrived since";
}

TEST_F(EmptinessTest, QualifiesConsultsTheNominations) {
  state::Nominations nominations(20s);
  Emptiness method(cluster_, &nominations);
  Candidate c{.claim = std::make_shared<api::NodeClaim>(claim(api::ConditionStatus::kTrue, now_)),
              .node = std::make_shared<api::Node>(node()),
              .pool = std::make_shared<api::NodePool>()};
  EXPECT_TRUE(method.qualifies(c, now_));
  nominations.nominate(kClaim, {"default/trial-7"}, now_);
  EXPECT_FALSE(method.qualifies(c, now_));
  EXPECT_TRUE(method.qualifies(c, now_ + 20s)) << "the nomination expired";
}

TEST_F(EmptinessTest, EnabledByAnyConsolidateAfterButNeverUnderBothPolicies) {
  Emptiness method(cluster_, nullptr);
  for (auto policy : {api::ConsolidationPolicy::kWhenEmpty,
                      api::ConsolidationPolicy::kWhenEmptyOrUnderutilized}) {
    SCOPED_TRACE(std::string(api::consolidationPolicyName(policy)));
    api::NodePool pool;
    pool.name = "gpu";
    pool.consolidationPolicy = policy;
    for (const std::string after : {"0s", "30s", "1h"}) {
      pool.consolidateAfter = after;
      EXPECT_TRUE(method.enabledFor(pool)) << after;
    }
    pool.consolidateAfter = "Never";
    EXPECT_FALSE(method.enabledFor(pool));
  }
}

}  // namespace
}  // namespace gantry::provisioner::disruption
