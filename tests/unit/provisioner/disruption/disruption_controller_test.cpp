// DisruptionReconciler::pass() between listing and acting (a node that gained work is kept and
// un-fenced), on write failures (retried next pass), and its metrics and requeue. What emptiness
// reaps is in disruption_emptiness_test.cpp, budgets in disruption_budgets_test.cpp.
#include "tests/unit/provisioner/disruption/disruption_test_fixture.h"

namespace gantry::provisioner::disruption {
namespace {

// --- between listing and acting

TEST_F(DisruptionTest, APodBoundAfterListingKeepsTheNodeAndTheFenceIsRemoved) {
  putNode("a");
  writer_.afterFence = [&] { putPod("trial", "a", PodSpec{.owner = "Job", .phase = "Pending"}); };
  PassResult result = passAt(0s);
  EXPECT_THAT(result.disrupted, IsEmpty());
  EXPECT_EQ(result.candidates, 1u);
  EXPECT_EQ(result.blocked, 1u);
  EXPECT_FALSE(deleting("a"));
  EXPECT_EQ(reasonAnnotation("a"), "");
  EXPECT_FALSE(fenced("a")) << "the fence is taken down again";
  EXPECT_FALSE(isCordoned("a")) << "and the node is schedulable again";
  EXPECT_EQ(events_.count("DisruptionTerminating"), 0u);
  EXPECT_EQ(metric("gantry_nodeclaims_disrupted_total", {{"nodepool", "gpu"}, {"reason", "Empty"}}),
            std::nullopt);
  auto calls = cluster_.calls();
  EXPECT_EQ(std::count(calls.begin(), calls.end(), "deleteNodeClaim"), 0);
}

TEST_F(DisruptionTest, APodNominatedAfterListingKeepsTheNode) {
  putNode("a");
  writer_.afterFence = [&] {
    json pod = podJson("preemptor", "", PodSpec{.owner = "Job", .phase = "Pending"});
    pod["status"]["nominatedNodeName"] = nodeOf("a");
    cluster_.putPod(pod);
  };
  EXPECT_THAT(passAt(0s).disrupted, IsEmpty());
  EXPECT_FALSE(deleting("a"));
  EXPECT_FALSE(fenced("a"));
  EXPECT_FALSE(isCordoned("a"));
}

TEST_F(DisruptionTest, AProvisionerNominationAfterListingKeepsTheNode) {
  putNode("a");
  writer_.afterFence = [&] { nominations_.nominate("a", {"default/trial"}, clock_.now()); };
  EXPECT_THAT(passAt(0s).disrupted, IsEmpty());
  EXPECT_FALSE(deleting("a"));
  EXPECT_FALSE(fenced("a"));
  // Once the nomination has lapsed (the pod went elsewhere), the node is reaped after all.
  EXPECT_THAT(passAt(20s).disrupted, ElementsAre("a"));
}

TEST_F(DisruptionTest, AnAbortKeepsTheNodesOtherTaintsAndAUsersCordon) {
  putNode("a");
  cluster_.editNode(nodeOf("a"), [](json& n) {
    n["spec"]["unschedulable"] = true;  // the user cordoned it
    n["spec"]["taints"] =
        json::array({{{"key", "nvidia.com/gpu"}, {"value", "true"}, {"effect", "NoSchedule"}}});
  });
  writer_.afterFence = [&] { putPod("trial", "a"); };
  EXPECT_THAT(passAt(0s).disrupted, IsEmpty());
  auto node = *cluster_.rawNode(nodeOf("a"));
  EXPECT_FALSE(hasFenceTaint(node));
  EXPECT_TRUE(cordoned(node)) << "the cordon was not ours to lift";
  ASSERT_EQ(node["spec"]["taints"].size(), 1u);
  EXPECT_EQ(node["spec"]["taints"][0]["key"], "nvidia.com/gpu");
}

TEST_F(DisruptionTest, AnUnfenceRefusedForAStaleResourceVersionIsRetried) {
  putNode("a");
  writer_.afterFence = [&] {
    putPod("trial", "a");
    cluster_.failNext("patchNode", Status::conflict("the object has been modified"));
  };
  EXPECT_THAT(passAt(0s).disrupted, IsEmpty());
  EXPECT_FALSE(fenced("a"));
  EXPECT_FALSE(isCordoned("a"));
}

// --- write failures

TEST_F(DisruptionTest, AFailedFenceLeavesTheNodeForTheNextPass) {
  putNode("a");
  cluster_.failNext("patchNode", Status::conflict("the object has been modified"));
  PassResult first = passAt(0s);
  EXPECT_THAT(first.disrupted, IsEmpty());
  EXPECT_FALSE(deleting("a"));
  EXPECT_EQ(events_.count("DisruptionTerminating"), 0u);
  EXPECT_THAT(passAt(5s).disrupted, ElementsAre("a"));
}

TEST_F(DisruptionTest, AFailedDeleteTakesTheFenceDownAndIsRetriedNextPass) {
  putPool([](api::NodePool& p) { p.budgets = {budget("1")}; });
  putNode("a");
  cluster_.failNext("deleteNodeClaim", Status::unavailable("apiserver down"));
  PassResult first = passAt(0s);
  EXPECT_THAT(first.disrupted, IsEmpty());
  EXPECT_FALSE(deleting("a"));
  EXPECT_FALSE(fenced("a")) << "a node left fenced would never be looked at again";
  EXPECT_FALSE(isCordoned("a"));
  EXPECT_EQ(reasonAnnotation("a"), "") << "not being disrupted: no reason on it";
  EXPECT_EQ(events_.count("DisruptionTerminating"), 0u);
  EXPECT_EQ(metric("gantry_nodeclaims_disrupted_total", {{"nodepool", "gpu"}, {"reason", "Empty"}}),
            std::nullopt);

  EXPECT_THAT(passAt(5s).disrupted, ElementsAre("a"));
  EXPECT_TRUE(deleting("a"));
  EXPECT_EQ(reasonAnnotation("a"), "Empty");
}

// --- metrics

TEST_F(DisruptionTest, EligibleNodesAreCountedEachPass) {
  putPool([](api::NodePool& p) { p.budgets = {budget("0")}; });
  putNode("a");
  putNode("b");
  putNode("busy");
  putPod("trial-busy", "busy");
  passAt(0s);
  EXPECT_EQ(eligible(), 2);
  putPod("trial-a", "a");
  passAt(5s);
  EXPECT_EQ(eligible(), 1);
  putPod("trial-b", "b");
  passAt(10s);
  EXPECT_EQ(eligible(), 0) << "reset, not left at the last value";
}

TEST_F(DisruptionTest, IdleGpuSecondsAreCountedBetweenPasses) {
  putNode("busy", {.consolidatable = ConditionStatus::kFalse, .gpus = 4});
  json pod = podJson("trainer", nodeOf("busy"), PodSpec{.owner = "Job"});
  pod["spec"]["containers"][0]["resources"] = {{"limits", {{"nvidia.com/gpu", "1"}}}};
  cluster_.putPod(pod);
  putNode("idle", {.consolidatable = ConditionStatus::kFalse, .gpus = 8});
  putNode("cpu-only", {.consolidatable = ConditionStatus::kFalse, .gpus = 0});

  passAt(0s);
  EXPECT_EQ(metric("gantry_gpu_idle_seconds_total", {{"nodepool", "gpu"}}).value_or(0), 0)
      << "nothing before a second pass";
  passAt(10s);
  // busy: 3 idle GPUs, idle: 8, for 10 seconds.
  EXPECT_DOUBLE_EQ(*metric("gantry_gpu_idle_seconds_total", {{"nodepool", "gpu"}}), 110);
  passAt(15s);
  EXPECT_DOUBLE_EQ(*metric("gantry_gpu_idle_seconds_total", {{"nodepool", "gpu"}}), 165);
}

TEST_F(DisruptionTest, ReconcileRunsAPassAndRequeuesForTheNextOne) {
  putNode("a");
  clock_.set(t0_);
  auto requeue = reconciler().reconcile(DisruptionReconciler::kKey);
  ASSERT_TRUE(requeue);
  EXPECT_EQ(*requeue, runtime::Requeue{DisruptionOptions{}.passInterval});
  EXPECT_TRUE(deleting("a"));
  EXPECT_THAT(reconciler().resyncKeys(), ElementsAre(DisruptionReconciler::kKey));
}

}  // namespace
}  // namespace gantry::provisioner::disruption
