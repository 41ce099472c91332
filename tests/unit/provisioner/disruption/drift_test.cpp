// The drift method in DisruptionReconciler::pass() over the in-memory cluster: nodes whose
// claim is marked Drifted are replaced (fenced, annotated Drifted, claim deleted) whatever
// the pool's consolidation settings, at most as many at once as the NodePool's budgets for
// Drifted allow (nodes already being replaced count), held back by do-not-disrupt, and left
// alone when the mark is gone by the time the controller acts.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <prometheus/registry.h>

#include "provisioner/disruption/disruption_controller.h"
#include "provisioner/disruption/drift.h"
#include "tests/fakes/fake_clock.h"
#include "tests/fakes/fake_event_recorder.h"
#include "tests/unit/provisioner/disruption/claim_queries.h"
#include "tests/unit/provisioner/nodeclaim/fake_lifecycle.h"

namespace gantry::provisioner::disruption {
namespace {

using namespace std::chrono_literals;
using nodeclaim::testing::FakeCluster;
using nodeclaim::testing::podJson;
using nodeclaim::testing::PodSpec;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;
using json = nlohmann::json;
namespace nc = api::nodeclaim;
using api::ConditionStatus;

std::string nodeOf(const std::string& claim) { return "node-" + claim; }

api::DisruptionBudget budget(std::string nodes,
                             std::optional<std::vector<api::BudgetReason>> reasons = {}) {
  api::DisruptionBudget b;
  b.nodes = std::move(nodes);
  b.reasons = std::move(reasons);
  return b;
}

class DriftDisruptionTest : public ::testing::Test {
 protected:
  DriftDisruptionTest() : cluster_(clock_), metrics_(registry_), t0_(clock_.now()) {
    putPool({});
  }

  void putPool(std::vector<api::DisruptionBudget> budgets, std::string consolidateAfter = "Never") {
    api::NodePool pool;
    pool.name = "gpu";
    pool.consolidateAfter = std::move(consolidateAfter);
    pool.budgets = std::move(budgets);
    cluster_.putPool(pool);
  }

  // An initialized node running a training pod (so emptiness never wants it), its claim
  // marked Drifted `since` before t0.
  void putDrifted(const std::string& name, Clock::Duration since = 1h, bool drifted = true) {
    const auto base = t0_ - 2h;
    api::NodeClaim c;
    c.name = name;
    c.labels = {{"gantry.dev/nodepool", "gpu"}};
    c.finalizers = {std::string(nc::kTerminationFinalizer)};
    c.nodeClassRef = {.group = "gantry.dev", .kind = "EC2NodeClass", .name = "default"};
    c.providerId = "aws:///us-east-1a/i-" + name;
    c.nodeName = nodeOf(name);
    for (auto type : {nc::kLaunched, nc::kRegistered, nc::kInitialized, nc::kReady}) {
      c.setCondition(type, ConditionStatus::kTrue, std::string(type), "", base);
    }
    c.lastPodEventTime = t0_ - since;
    if (drifted) c.setCondition(nc::kDrifted, ConditionStatus::kTrue, "ImageDrift", "", t0_ - since);
    cluster_.putClaim(c);
    cluster_.putNode(json{
        {"apiVersion", "v1"},
        {"kind", "Node"},
        {"metadata", {{"name", nodeOf(name)}, {"labels", {{"gantry.dev/nodepool", "gpu"}}}}},
        {"spec", {{"providerID", c.providerId}}},
        {"status",
         {{"conditions", json::array({{{"type", "Ready"}, {"status", "True"}}})},
          {"allocatable", {{"cpu", "8"}, {"pods", "110"}}}}}});
    cluster_.putPod(podJson("trial-" + name, nodeOf(name), PodSpec{.owner = "Job"}));
  }

  DisruptionReconciler& reconciler() {
    if (!reconciler_) {
      reconciler_ = std::make_unique<DisruptionReconciler>(cluster_, cluster_, events_, clock_,
                                                           DisruptionOptions{}, nullptr,
                                                           &metrics_);
    }
    return *reconciler_;
  }

  PassResult passAt(Clock::Duration at) {
    clock_.set(t0_ + at);
    return reconciler().pass();
  }

  bool deleting(const std::string& claim) { return beingDeleted(cluster_, claim); }
  std::string reasonAnnotation(const std::string& claim) {
    return disruptionReason(cluster_, claim);
  }
  void finishTermination(const std::string& claim) {
    cluster_.userDelete("node", nodeOf(claim));
    ASSERT_TRUE(cluster_.patchNodeClaim(claim, json{{"metadata", {{"finalizers", json::array()}}}})
                    .isOk());
  }

  FakeClock clock_;
  FakeCluster cluster_;
  kube::FakeEventRecorder events_;
  prometheus::Registry registry_;
  ProvisionerMetrics metrics_;
  const Clock::TimePoint t0_;
  std::unique_ptr<DisruptionReconciler> reconciler_;
};

TEST_F(DriftDisruptionTest, ADriftedNodeIsReplacedEvenWithConsolidationOff) {
  putDrifted("a");
  putDrifted("b", 1h, /*drifted=*/false);
  PassResult result = passAt(0s);
  EXPECT_THAT(result.disrupted, ElementsAre("a"));
  EXPECT_TRUE(deleting("a"));
  EXPECT_EQ(reasonAnnotation("a"), "Drifted");
  EXPECT_FALSE(deleting("b"));
  EXPECT_EQ(events_.count("DisruptionTerminating", "a"), 1u);
  EXPECT_EQ(events_.count("DisruptionTerminating", nodeOf("a")), 1u);
}

TEST_F(DriftDisruptionTest, OneBudgetsWorthAtATimeOldestFirst) {
  putPool({budget("1")});
  putDrifted("young", 10min);
  putDrifted("old", 2h);
  putDrifted("middle", 1h);
  EXPECT_THAT(passAt(0s).disrupted, ElementsAre("old"));
  PassResult second = passAt(5s);
  EXPECT_THAT(second.disrupted, IsEmpty()) << "old is still being replaced";
  EXPECT_EQ(second.blocked, 2u);
  EXPECT_GE(events_.count("DisruptionBlocked", "middle"), 1u);
  finishTermination("old");
  EXPECT_THAT(passAt(10s).disrupted, ElementsAre("middle"));
  finishTermination("middle");
  EXPECT_THAT(passAt(15s).disrupted, ElementsAre("young"));
}

TEST_F(DriftDisruptionTest, ABudgetForDriftedAloneCanPauseIt) {
  putPool({budget("0", std::vector{api::BudgetReason::kDrifted}),
           budget("0", std::vector{api::BudgetReason::kEmpty})});
  putDrifted("a");
  PassResult paused = passAt(0s);
  EXPECT_THAT(paused.disrupted, IsEmpty());
  EXPECT_FALSE(deleting("a"));

  putPool({budget("0", std::vector{api::BudgetReason::kEmpty})});
  EXPECT_THAT(passAt(10s).disrupted, ElementsAre("a")) << "an Empty-only budget does not hold drift";
}

TEST_F(DriftDisruptionTest, DoNotDisruptHoldsADriftedNode) {
  putDrifted("a");
  auto c = *cluster_.nodeClaim("a");
  c.annotations[std::string(nc::kDoNotDisruptAnnotation)] = "true";
  cluster_.putClaim(c);
  EXPECT_THAT(passAt(0s).disrupted, IsEmpty());
  EXPECT_FALSE(deleting("a"));
  EXPECT_EQ(events_.count("DisruptionBlocked", "a"), 1u);
}

TEST_F(DriftDisruptionTest, TheMarkIsReadAgainBeforeActing) {
  putDrifted("a");
  Drift method(cluster_);
  Candidate candidate{.claim = cluster_.nodeClaim("a"), .node = cluster_.node(nodeOf("a")),
                      .pool = cluster_.nodePool("gpu")};
  EXPECT_TRUE(method.qualifies(candidate, clock_.now()));
  auto cleared = *cluster_.nodeClaim("a");
  api::removeCondition(cleared.conditions, nc::kDrifted);
  cluster_.putClaim(cleared);
  EXPECT_FALSE(method.qualifies(candidate, clock_.now()))
      << "the pass's copy still says Drifted; the cache no longer does";
}

}  // namespace
}  // namespace gantry::provisioner::disruption
