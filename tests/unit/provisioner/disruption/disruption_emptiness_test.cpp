// DisruptionReconciler::pass(): which nodes emptiness reaps (only Initialized, Consolidatable,
// empty ones of a pool whose consolidateAfter is not Never), how a node is disrupted (fenced,
// re-checked, annotated with the reason, its claim deleted), and what do-not-disrupt holds back
// with a DisruptionBlocked Event not repeated within five minutes.
#include "tests/unit/provisioner/disruption/disruption_test_fixture.h"

namespace gantry::provisioner::disruption {
namespace {

// A suite of its own: the fixture is a distinct class in each file.
using DisruptionEmptinessTest = DisruptionTest;

// --- what is reaped

TEST_F(DisruptionEmptinessTest, AnEmptyConsolidatableNodeIsFencedAnnotatedAndItsClaimDeleted) {
  putNode("a");
  PassResult result = passAt(0s);

  EXPECT_THAT(result.disrupted, ElementsAre("a"));
  EXPECT_EQ(result.nodes, 1u);
  EXPECT_EQ(result.candidates, 1u);
  EXPECT_EQ(result.blocked, 0u);
  EXPECT_TRUE(deleting("a")) << "deleted; the termination finalizer holds it";
  EXPECT_EQ(reasonAnnotation("a"), "Empty");
  EXPECT_TRUE(fenced("a")) << "gantry.dev/disrupted:NoSchedule";
  EXPECT_TRUE(isCordoned("a"));
  auto calls = cluster_.calls();
  auto at = [&](const std::string& call) {
    return std::find(calls.begin(), calls.end(), call) - calls.begin();
  };
  EXPECT_LT(at("patchNode"), at("patchNodeClaim")) << "fenced before anything else";
  EXPECT_LT(at("patchNodeClaim"), at("deleteNodeClaim")) << "the reason is there before deletion";

  EXPECT_THAT(eventMessages("DisruptionTerminating", "a"), ElementsAre(HasSubstr("Empty")));
  EXPECT_THAT(eventMessages("DisruptionTerminating", nodeOf("a")),
              ElementsAre(HasSubstr("Empty")));
  for (const auto& e : events_.events()) {
    if (e.object.name == "a") {
      EXPECT_EQ(e.object.kind, "NodeClaim");
      EXPECT_EQ(e.object.uid, "uid-a");
    }
    if (e.object.name == nodeOf("a")) {
      EXPECT_EQ(e.object.kind, "Node");
    }
  }
  EXPECT_EQ(events_.count("DisruptionBlocked"), 0u);
  EXPECT_EQ(metric("gantry_nodeclaims_disrupted_total", {{"nodepool", "gpu"}, {"reason", "Empty"}}),
            1);
}

TEST_F(DisruptionEmptinessTest, ANodeBeingDisruptedIsNotDisruptedAgain) {
  putNode("a");
  ASSERT_THAT(passAt(0s).disrupted, ElementsAre("a"));
  const size_t before = writes();
  PassResult again = passAt(5s);
  EXPECT_THAT(again.disrupted, IsEmpty());
  EXPECT_EQ(again.candidates, 0u);
  EXPECT_EQ(writes(), before);
  EXPECT_EQ(events_.count("DisruptionTerminating", "a"), 1u);
  EXPECT_EQ(metric("gantry_nodeclaims_disrupted_total", {{"nodepool", "gpu"}, {"reason", "Empty"}}),
            1);
}

TEST_F(DisruptionEmptinessTest, OnlyDaemonSetMirrorAndFinishedPodsStillCountsAsEmpty) {
  putNode("a");
  putPod("fluentd", "a", PodSpec{.ns = "kube-system", .owner = "DaemonSet"});
  putPod("kube-proxy", "a", PodSpec{.ns = "kube-system", .owner = "Node", .mirror = true});
  putPod("trial-1", "a", PodSpec{.owner = "Job", .phase = "Succeeded"});
  putPod("trial-2", "a", PodSpec{.owner = "Job", .phase = "Failed"});
  EXPECT_THAT(passAt(0s).disrupted, ElementsAre("a"));
}

TEST_F(DisruptionEmptinessTest, ANodeWithWorkIsLeftAlone) {
  // Running, bound but not started (Pending covers ContainerCreating), and Unknown.
  int i = 0;
  for (const std::string phase : {"Running", "Pending", "Unknown"}) {
    const std::string claim = "c" + std::to_string(i++);
    putNode(claim);
    putPod("trial-" + claim, claim, PodSpec{.owner = "Job", .phase = phase});
  }
  PassResult result = passAt(0s);
  EXPECT_THAT(result.disrupted, IsEmpty());
  EXPECT_EQ(result.nodes, 3u);
  EXPECT_EQ(result.candidates, 0u);
  EXPECT_EQ(writes(), 0u);
  EXPECT_TRUE(events_.events().empty());
}

TEST_F(DisruptionEmptinessTest, APodTheSchedulerNominatedKeepsTheNode) {
  putNode("a");
  json pod = podJson("preemptor", "", PodSpec{.owner = "Job", .phase = "Pending"});
  pod["status"]["nominatedNodeName"] = nodeOf("a");
  cluster_.putPod(pod);
  EXPECT_THAT(passAt(0s).disrupted, IsEmpty());
  EXPECT_EQ(writes(), 0u);
}

TEST_F(DisruptionEmptinessTest, AProvisionerNominationKeepsTheNodeUntilItExpires) {
  putPool([](api::NodePool& p) { p.budgets.clear(); });  // no budget: both may go at once
  putNode("a");
  putNode("b");
  nominations_.nominate(nodeOf("a"), {"default/trial-1"}, t0_);
  nominations_.nominate("b", {"default/trial-2"}, t0_);  // onto the NodeClaim
  EXPECT_THAT(passAt(0s).disrupted, IsEmpty());
  EXPECT_THAT(passAt(19s).disrupted, IsEmpty());
  EXPECT_EQ(writes(), 0u);
  // Not renewed: the pods went elsewhere.
  PassResult later = passAt(20s);
  EXPECT_EQ(later.disrupted.size(), 2u);
}

TEST_F(DisruptionEmptinessTest, NeverANodeNotYetInitialized) {
  // Even with a (stale) Consolidatable mark.
  putNode("a", {.initialized = false});
  PassResult result = passAt(0s);
  EXPECT_THAT(result.disrupted, IsEmpty());
  EXPECT_EQ(result.nodes, 0u);
  EXPECT_EQ(writes(), 0u);
  EXPECT_TRUE(events_.events().empty());
}

TEST_F(DisruptionEmptinessTest, OnlyConsolidatableClaimsAreCandidates) {
  putNode("unmarked", {.consolidatable = std::nullopt});
  putNode("recent-pod-event", {.consolidatable = ConditionStatus::kFalse});
  PassResult result = passAt(0s);
  EXPECT_EQ(result.nodes, 2u);
  EXPECT_EQ(result.candidates, 0u);
  EXPECT_EQ(writes(), 0u);
}

TEST_F(DisruptionEmptinessTest, ConsolidateAfterNeverDisablesIt) {
  putPool([](api::NodePool& p) { p.consolidateAfter = "Never"; });
  putNode("a");  // marked while the pool said otherwise
  PassResult result = passAt(0s);
  EXPECT_EQ(result.candidates, 0u);
  EXPECT_EQ(writes(), 0u);
}

TEST_F(DisruptionEmptinessTest, BothConsolidationPoliciesReapEmptyNodes) {
  int i = 0;
  for (auto policy : {api::ConsolidationPolicy::kWhenEmpty,
                      api::ConsolidationPolicy::kWhenEmptyOrUnderutilized}) {
    SCOPED_TRACE(std::string(api::consolidationPolicyName(policy)));
    putPool([&](api::NodePool& p) {
      p.consolidationPolicy = policy;
      p.budgets.clear();
    });
    const std::string claim = "c" + std::to_string(i);
    putNode(claim);
    EXPECT_THAT(passAt(i++ * 5s).disrupted, ElementsAre(claim));
  }
}

TEST_F(DisruptionEmptinessTest, NodesNotOursOrNotWellAreLeftAlone) {
  putNode("no-pool", {.pool = "deleted-pool"});
  putNode("not-ready", {.ready = false});
  putNode("node-gone");
  cluster_.userDelete("node", nodeOf("node-gone"));
  putNode("node-deleting");
  cluster_.editNode(nodeOf("node-deleting"), [](json& n) {
    n["metadata"]["deletionTimestamp"] = "2015-08-30T12:00:00Z";
  });
  PassResult result = passAt(0s);
  EXPECT_THAT(result.disrupted, IsEmpty());
  EXPECT_EQ(result.candidates, 0u);
  EXPECT_EQ(writes(), 0u);
}

TEST_F(DisruptionEmptinessTest, TheLongestIdleNodeGoesFirst) {
  putPool([](api::NodePool& p) { p.budgets = {budget("1")}; });
  putNode("newest", {.idleSince = 20min});
  putNode("oldest", {.idleSince = 5min});
  putNode("middle", {.idleSince = 10min});
  EXPECT_THAT(passAt(0s).disrupted, ElementsAre("oldest"));
}

// --- do-not-disrupt

TEST_F(DisruptionEmptinessTest, DoNotDisruptOnAPodTheNodeOrTheClaimBlocksWithAnEventNamingIt) {
  const std::string gantry(nc::kDoNotDisruptAnnotation);
  const std::string karpenter(nc::kKarpenterDoNotDisruptAnnotation);
  putNode("pod-gantry");
  putPod("ds", "pod-gantry", PodSpec{.ns = "kube-system", .owner = "DaemonSet"},
         {{gantry, "true"}});
  putNode("pod-karpenter");
  putPod("mirror", "pod-karpenter", PodSpec{.ns = "kube-system", .owner = "Node", .mirror = true},
         {{karpenter, "true"}});
  putNode("node-annotated");
  cluster_.editNode(nodeOf("node-annotated"),
                    [&](json& n) { n["metadata"]["annotations"] = {{karpenter, "true"}}; });
  putNode("claim-annotated");
  annotate("claim-annotated", gantry, "true");

  PassResult result = passAt(0s);
  EXPECT_THAT(result.disrupted, IsEmpty());
  EXPECT_EQ(result.candidates, 4u);
  EXPECT_EQ(result.blocked, 4u);
  EXPECT_EQ(writes(), 0u) << "not even fenced";

  EXPECT_THAT(eventMessages("DisruptionBlocked", "pod-gantry"),
              ElementsAre(HasSubstr("pod kube-system/ds")));
  EXPECT_THAT(eventMessages("DisruptionBlocked", "pod-karpenter"),
              ElementsAre(HasSubstr("pod kube-system/mirror")));
  EXPECT_THAT(eventMessages("DisruptionBlocked", "node-annotated"),
              ElementsAre(HasSubstr("Node " + nodeOf("node-annotated"))));
  EXPECT_THAT(eventMessages("DisruptionBlocked", "claim-annotated"),
              ElementsAre(HasSubstr("NodeClaim claim-annotated")));
  for (const std::string claim : {"pod-gantry", "pod-karpenter", "node-annotated",
                                  "claim-annotated"}) {
    EXPECT_EQ(eventMessages("DisruptionBlocked", nodeOf(claim)),
              eventMessages("DisruptionBlocked", claim))
        << "the Node is told the same";
  }
  EXPECT_EQ(metric("gantry_disruption_blocked_total",
                   {{"nodepool", "gpu"}, {"cause", "do-not-disrupt"}}),
            4);
  EXPECT_EQ(metric("gantry_nodeclaims_disrupted_total", {{"nodepool", "gpu"}, {"reason", "Empty"}}),
            std::nullopt);
}

TEST_F(DisruptionEmptinessTest, DoNotDisruptOtherThanTrueOrOnAFinishedPodDoesNotBlock) {
  const std::string gantry(nc::kDoNotDisruptAnnotation);
  putNode("a");
  annotate("a", gantry, "false");
  putPod("trial", "a", PodSpec{.owner = "Job", .phase = "Succeeded"}, {{gantry, "true"}});
  EXPECT_THAT(passAt(0s).disrupted, ElementsAre("a"));
  EXPECT_EQ(events_.count("DisruptionBlocked"), 0u);
}

TEST_F(DisruptionEmptinessTest, ABlockedNodeIsNotToldAgainWithinFiveMinutes) {
  putNode("a");
  annotate("a", std::string(nc::kDoNotDisruptAnnotation), "true");
  for (auto at : {0s, 5s, 60s, 299s}) {
    SCOPED_TRACE(at.count());
    EXPECT_EQ(passAt(at).blocked, 1u);
    EXPECT_EQ(events_.count("DisruptionBlocked", "a"), 1u);
    EXPECT_EQ(events_.count("DisruptionBlocked", nodeOf("a")), 1u);
  }
  passAt(300s);
  EXPECT_EQ(events_.count("DisruptionBlocked", "a"), 2u) << "five minutes on it is told again";
  EXPECT_EQ(events_.count("DisruptionBlocked", nodeOf("a")), 2u);
  passAt(301s);
  EXPECT_EQ(events_.count("DisruptionBlocked", "a"), 2u);
}

TEST_F(DisruptionEmptinessTest, OnceTheBlockIsGoneTheNodeIsDisrupted) {
  putNode("a");
  putPod("trial", "a", PodSpec{.owner = "Job"},
         {{std::string(nc::kKarpenterDoNotDisruptAnnotation), "true"}});
  passAt(0s);  // not empty: no candidate at all
  EXPECT_EQ(events_.count("DisruptionBlocked"), 0u);
  // The pod finished; its annotation no longer counts.
  cluster_.putPod(podJson("trial", nodeOf("a"), PodSpec{.owner = "Job", .phase = "Succeeded"}));
  annotate("a", std::string(nc::kDoNotDisruptAnnotation), "true");
  EXPECT_EQ(passAt(5s).blocked, 1u);
  annotate("a", std::string(nc::kDoNotDisruptAnnotation), "false");
  EXPECT_THAT(passAt(10s).disrupted, ElementsAre("a"));
}

}  // namespace
}  // namespace gantry::provisioner::disruption
