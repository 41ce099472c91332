// DisruptionReconciler::pass() under the NodePool's budgets: Karpenter v1's default 10% rounded
// up, nodes:1 one at a time, fenced nodes counting as disrupting, stale fences of a crash, budgets
// by reason, and DisruptionBlocked Events naming the budget.
#include "tests/unit/provisioner/disruption/disruption_test_fixture.h"

namespace gantry::provisioner::disruption {
namespace {

// A suite of its own: the fixture is a distinct class in each file.
using DisruptionBudgetTest = DisruptionTest;

// --- budgets

TEST_F(DisruptionBudgetTest, TheDefaultBudgetAllowsTenPercentRoundedUp) {
  for (int i = 0; i < 3; ++i) putNode("a" + std::to_string(i), {.idleSince = i * 1min});
  PassResult result = passAt(0s);
  EXPECT_THAT(result.disrupted, ElementsAre("a0")) << "10% of 3 nodes is 0.3, rounded up to 1";
  EXPECT_EQ(result.blocked, 2u);
  EXPECT_THAT(eventMessages("DisruptionBlocked", "a1"),
              ElementsAre(AllOf(HasSubstr("NodePool gpu"), HasSubstr("nodes=10%"))));
  EXPECT_EQ(metric("gantry_disruption_blocked_total", {{"nodepool", "gpu"}, {"cause", "budget"}}),
            2);
}

TEST_F(DisruptionBudgetTest, TheDefaultBudgetOfElevenNodesAllowsTwo) {
  for (int i = 0; i < 11; ++i) putNode("n" + std::to_string(10 + i), {.idleSince = i * 1min});
  PassResult result = passAt(0s);
  EXPECT_THAT(result.disrupted, ElementsAre("n10", "n11")) << "10% of 11 is 1.1, rounded up";
  EXPECT_EQ(result.blocked, 9u);
}

TEST_F(DisruptionBudgetTest, NodesOneDisruptsOneAtATimeAcrossPasses) {
  putPool([](api::NodePool& p) { p.budgets = {budget("1")}; });
  putNode("a", {.idleSince = 1min});
  putNode("b", {.idleSince = 2min});
  putNode("c", {.idleSince = 3min});

  EXPECT_THAT(passAt(0s).disrupted, ElementsAre("a"));
  // a is still deleting (draining): the budget is spent.
  PassResult second = passAt(5s);
  EXPECT_THAT(second.disrupted, IsEmpty());
  EXPECT_EQ(second.blocked, 2u);
  EXPECT_FALSE(deleting("b"));
  EXPECT_FALSE(fenced("b"));

  finishTermination("a");
  EXPECT_THAT(passAt(10s).disrupted, ElementsAre("b"));
  EXPECT_THAT(passAt(15s).disrupted, IsEmpty());
  finishTermination("b");
  EXPECT_THAT(passAt(20s).disrupted, ElementsAre("c"));
}

TEST_F(DisruptionBudgetTest, AFencedNodeCountsAsDisruptingAgainstTheBudget) {
  putPool([](api::NodePool& p) { p.budgets = {budget("1")}; });
  putNode("a");
  putNode("b");
  cluster_.editNode(nodeOf("a"), [](json& n) {
    n["spec"]["taints"] =
        json::array({{{"key", "gantry.dev/disrupted"}, {"effect", "NoSchedule"}}});
  });
  PassResult result = passAt(0s);
  EXPECT_THAT(result.disrupted, IsEmpty());
  EXPECT_EQ(result.blocked, 1u);
  EXPECT_THAT(eventMessages("DisruptionBlocked", "b"), ElementsAre(HasSubstr("nodes=1")));
}

TEST_F(DisruptionBudgetTest, AFenceLeftBehindByACrashIsClearedWithItsReasonAndTheNodeReapedLater) {
  // A crash between fencing and deleting: the Node fenced and cordoned, the claim annotated
  // but not deleting. Left alone it would count against the budget for ever.
  putPool([](api::NodePool& p) { p.budgets = {budget("1")}; });
  putNode("a");
  cluster_.editNode(nodeOf("a"), [](json& n) {
    n["spec"]["taints"] =
        json::array({{{"key", "gantry.dev/disrupted"}, {"effect", "NoSchedule"}}});
    n["spec"]["unschedulable"] = true;
  });
  annotate("a", std::string(nc::kDisruptionReasonAnnotation), "Empty");
  // For a minute it may be another actor's fence, between its fence and its delete.
  EXPECT_THAT(passAt(0s).disrupted, IsEmpty());
  EXPECT_THAT(passAt(55s).disrupted, IsEmpty());
  EXPECT_TRUE(fenced("a"));
  EXPECT_EQ(reasonAnnotation("a"), "Empty");
  EXPECT_THAT(passAt(60s).disrupted, IsEmpty()) << "fenced as this pass began";
  EXPECT_FALSE(fenced("a"));
  EXPECT_FALSE(isCordoned("a"));
  EXPECT_EQ(reasonAnnotation("a"), "");
  EXPECT_THAT(passAt(65s).disrupted, ElementsAre("a")) << "then reaped as any empty node";
}

TEST_F(DisruptionBudgetTest, AnotherActorsFenceAndReasonSurviveThePassesBeforeItsDelete) {
  // The interruption handler fences, annotates, then deletes; a pass may fall in between.
  putNode("a");
  putPod("trial", "a");  // not empty: no pass here reaps it
  cluster_.editNode(nodeOf("a"), [](json& n) {
    n["spec"]["taints"] =
        json::array({{{"key", "gantry.dev/disrupted"}, {"effect", "NoSchedule"}}});
  });
  annotate("a", std::string(nc::kDisruptionReasonAnnotation), "Interrupted");
  EXPECT_THAT(passAt(0s).disrupted, IsEmpty());
  EXPECT_TRUE(fenced("a"));
  EXPECT_EQ(reasonAnnotation("a"), "Interrupted");
  // Unfenced by its owner before the minute is out: a later fence starts a new minute.
  cluster_.editNode(nodeOf("a"), [](json& n) { n["spec"]["taints"] = json::array(); });
  (void)passAt(30s);
  cluster_.editNode(nodeOf("a"), [](json& n) {
    n["spec"]["taints"] =
        json::array({{{"key", "gantry.dev/disrupted"}, {"effect", "NoSchedule"}}});
  });
  EXPECT_THAT(passAt(70s).disrupted, IsEmpty());
  EXPECT_TRUE(fenced("a")) << "fenced again at 70 s, not a minute ago";
}

TEST_F(DisruptionBudgetTest, ItsOwnFenceIsKeptWhileTheCacheHasNotSeenTheDelete) {
  putNode("a");
  ASSERT_THAT(passAt(0s).disrupted, ElementsAre("a"));
  // The cache lags: the claim comes back without its deletionTimestamp for a pass.
  api::NodeClaim stale = *cluster_.nodeClaim("a");
  stale.deletionTimestamp.reset();
  cluster_.putClaim(stale);
  EXPECT_THAT(passAt(5s).disrupted, IsEmpty());
  EXPECT_TRUE(fenced("a")) << "not mistaken for a fence left behind";
}

TEST_F(DisruptionBudgetTest, ABudgetForOtherReasonsDoesNotRestrictEmpty) {
  putPool([](api::NodePool& p) {
    p.budgets = {budget(
        "0", std::vector{api::BudgetReason::kDrifted, api::BudgetReason::kUnderutilized})};
  });
  putNode("a");
  putNode("b");
  EXPECT_EQ(passAt(0s).disrupted.size(), 2u) << "no budget applies to Empty: unlimited";
  EXPECT_EQ(events_.count("DisruptionBlocked"), 0u);
}

TEST_F(DisruptionBudgetTest, ABudgetForEmptyRestrictsEmptyAndIsNamed) {
  putPool([](api::NodePool& p) {
    p.budgets = {budget("5"),
                 budget("0", std::vector{api::BudgetReason::kEmpty})};
  });
  putNode("a");
  PassResult result = passAt(0s);
  EXPECT_THAT(result.disrupted, IsEmpty());
  EXPECT_EQ(result.blocked, 1u);
  EXPECT_FALSE(fenced("a"));
  EXPECT_THAT(eventMessages("DisruptionBlocked", "a"),
              ElementsAre(AllOf(HasSubstr("NodePool gpu"), HasSubstr("nodes=0"),
                                HasSubstr("reasons=[Empty]"))));
  EXPECT_EQ(eventMessages("DisruptionBlocked", nodeOf("a")),
            eventMessages("DisruptionBlocked", "a"));
}

TEST_F(DisruptionBudgetTest, ABudgetBlockIsNotToldAgainWithinFiveMinutesAsTheCountsMove) {
  // The same cause (the same budget) holding the same node back is one Event per five
  // minutes, even though the pool's node counts change as other nodes come and go.
  putPool([](api::NodePool& p) { p.budgets = {budget("1")}; });
  putNode("a", {.idleSince = 1min});
  putNode("b", {.idleSince = 2min});
  putNode("c", {.idleSince = 3min});
  putNode("d", {.idleSince = 4min});
  ASSERT_THAT(passAt(0s).disrupted, ElementsAre("a"));
  EXPECT_EQ(events_.count("DisruptionBlocked", "c"), 1u);
  finishTermination("a");
  ASSERT_THAT(passAt(30s).disrupted, ElementsAre("b"));
  EXPECT_EQ(events_.count("DisruptionBlocked", "c"), 1u);
  EXPECT_EQ(events_.count("DisruptionBlocked", "d"), 1u);
  EXPECT_EQ(metric("gantry_disruption_blocked_total", {{"nodepool", "gpu"}, {"cause", "budget"}}),
            3)
      << "b, c and d were told once each";
  passAt(301s);
  EXPECT_EQ(events_.count("DisruptionBlocked", "c"), 2u);
}

TEST_F(DisruptionBudgetTest, ABlockForAnotherCauseIsToldAtOnce) {
  putPool([](api::NodePool& p) { p.budgets = {budget("0")}; });
  putNode("a");
  passAt(0s);
  ASSERT_THAT(eventMessages("DisruptionBlocked", "a"), ElementsAre(HasSubstr("budget")));
  annotate("a", std::string(nc::kDoNotDisruptAnnotation), "true");
  passAt(5s);
  EXPECT_THAT(eventMessages("DisruptionBlocked", "a"),
              ElementsAre(HasSubstr("budget"), HasSubstr("do-not-disrupt")));
}

}  // namespace
}  // namespace gantry::provisioner::disruption
