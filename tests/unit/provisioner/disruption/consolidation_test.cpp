// Consolidation inside the disruption pass, over the in-memory cluster: a move waits the
// validation period and is dropped if the cluster changed; a replacement is launched and
// Initialized before the old node is drained, and a failed launch drains nothing; training
// pods, bare pods and PodDisruptionBudgets hold nodes back; metrics and Events say what was
// decided.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <prometheus/registry.h>

#include "provisioner/disruption/consolidation_candidates.h"
#include "provisioner/disruption/disruption_controller.h"
#include "tests/fakes/fake_clock.h"
#include "tests/fakes/fake_event_recorder.h"
#include "tests/support/builders.h"
#include "tests/support/metric_samples.h"
#include "tests/unit/provisioner/disruption/claim_queries.h"
#include "tests/unit/provisioner/nodeclaim/fake_lifecycle.h"

namespace gantry::provisioner::disruption {
namespace {

using namespace std::chrono_literals;
using nodeclaim::testing::FakeCluster;
using ::testing::HasSubstr;
using json = nlohmann::json;
namespace nc = api::nodeclaim;
using api::ConditionStatus;

// Creates claims straight into the fake cluster, as the apiserver would; or fails.
class ClaimWriter final : public ClusterWriter {
 public:
  explicit ClaimWriter(FakeCluster& cluster) : cluster_(cluster) {}
  Result<api::NodeClaim> createNodeClaim(const api::NodeClaim& claim) override {
    if (fail) return std::unexpected(Status::invalid("refused"));
    api::NodeClaim stored = claim;
    stored.uid = "uid-" + claim.name;
    cluster_.putClaim(stored);
    created.push_back(stored);
    return stored;
  }
  Result<api::NodeClaim> updateNodeClaim(const api::NodeClaim& c) override { return c; }
  Status deleteNodeClaim(const std::string&) override { return Status::ok(); }
  Status setNodePoolCondition(const std::string&, const api::Condition&) override {
    return Status::ok();
  }
  bool fail = false;
  std::vector<api::NodeClaim> created;

 private:
  FakeCluster& cluster_;
};

class Probe final : public EvictionProbe {
 public:
  Status canEvict(const std::string& ns, const std::string& name) override {
    return refused.contains(ns + "/" + name) ? Status{StatusCode::kThrottled, "pdb"}
                                             : Status::ok();
  }
  std::set<std::string> refused;
};

class ConsolidationTest : public ::testing::Test {
 protected:
  ConsolidationTest()
      : cluster_(clock_), claims_(cluster_), consolidationMetrics_(registry_),
        metrics_(registry_), t0_(clock_.now()) {
    catalog_ = std::make_shared<api::InstanceTypes>(gantry::testing::makeTypes(
        {{.name = "c.large", .cpu = "2", .memory = "8Gi", .price = 0.05},
         {.name = "c.2xlarge", .cpu = "8", .memory = "8Gi", .price = 0.40}}));
    putPool();
  }

  void putPool(const std::function<void(api::NodePool&)>& edit = {}) {
    api::NodePool pool;
    pool.name = "default";
    pool.consolidateAfter = "30s";
    pool.nodeClassRef = "default";
    pool.budgets = {};  // no budget: budgets are disruption_controller_test's business
    if (edit) edit(pool);
    cluster_.putPool(pool);
  }

  // An initialized, Consolidatable claim `name` with its Node node-<name> of `type`.
  void putNode(const std::string& name, const std::string& type, const std::string& cpu) {
    const auto base = t0_ - 1h;
    api::NodeClaim c;
    c.name = name;
    c.labels = {{"gantry.dev/nodepool", "default"}};
    c.finalizers = {std::string(nc::kTerminationFinalizer)};
    c.nodeClassRef = {.group = "gantry.dev", .kind = "EC2NodeClass", .name = "default"};
    c.providerId = "aws:///us-east-1a/i-" + name;
    c.nodeName = "node-" + name;
    for (auto t : {nc::kLaunched, nc::kRegistered, nc::kInitialized, nc::kReady,
                   nc::kConsolidatable}) {
      c.setCondition(t, ConditionStatus::kTrue, std::string(t), "", base);
    }
    c.lastPodEventTime = base;
    cluster_.putClaim(c);
    cluster_.putNode(json{
        {"apiVersion", "v1"},
        {"kind", "Node"},
        {"metadata",
         {{"name", "node-" + name},
          {"labels",
           {{"gantry.dev/nodepool", "default"},
            {"node.kubernetes.io/instance-type", type},
            {"topology.kubernetes.io/zone", "us-east-1a"},
            {"gantry.dev/capacity-type", "on-demand"},
            {"kubernetes.io/arch", "amd64"},
            {"kubernetes.io/os", "linux"}}}}},
        {"spec", {{"providerID", c.providerId}}},
        {"status",
         {{"conditions", json::array({{{"type", "Ready"}, {"status", "True"}}})},
          {"allocatable", {{"cpu", cpu}, {"memory", "8Gi"}, {"pods", "110"}}}}}});
  }

  void putPod(const std::string& name, const std::string& claim, const std::string& cpu,
              const std::string& owner = "ReplicaSet") {
    json meta{{"name", name}, {"namespace", "default"}, {"uid", "uid-" + name}};
    if (!owner.empty()) {
      meta["ownerReferences"] = json::array({{{"apiVersion", "v1"},
                                              {"kind", owner},
                                              {"name", "o"},
                                              {"uid", "o"},
                                              {"controller", true}}});
    }
    cluster_.putPod(json{
        {"apiVersion", "v1"},
        {"kind", "Pod"},
        {"metadata", meta},
        {"spec",
         {{"nodeName", "node-" + claim},
          {"containers",
           json::array({{{"name", "c"},
                         {"image", "busybox"},
                         {"resources", {{"requests", {{"cpu", cpu}, {"memory", "128Mi"}}}}}}})}}},
        {"status", {{"phase", "Running"}}}});
  }

  ClusterObjects objects() {
    ++reads_;
    ClusterObjects o;
    for (const auto& node : cluster_.nodes()) {
      o.nodes.push_back(node);
      for (const auto& pod : cluster_.podsOn(node->name)) o.bound.push_back(pod);
    }
    for (const auto& claim : cluster_.nodeClaims()) {
      EXPECT_NE(claim, nullptr) << "a claim the fake cannot decode";
      if (claim) o.nodeClaims.push_back(claim);
    }
    o.nodePools.push_back(*cluster_.nodePool("default"));
    return o;
  }

  DisruptionReconciler& reconciler() {
    if (!reconciler_) {
      reconciler_ = std::make_unique<DisruptionReconciler>(cluster_, cluster_, events_, clock_,
                                                           DisruptionOptions{}, &nominations_,
                                                           &metrics_);
      reconciler_->enableConsolidation(
          {.source = [this] { return objects(); },
           .catalog = [this]() -> Result<api::InstanceTypesPtr> { return catalog_; },
           .writer = &claims_,
           .evictions = &probe_,
           .metrics = &consolidationMetrics_,
           .nominations = &nominations_});
    }
    return *reconciler_;
  }
  PassResult passAt(Clock::Duration at) {
    clock_.set(t0_ + at);
    return reconciler().pass();
  }
  Consolidation::Phase phase() { return reconciler().consolidation()->phase(); }
  bool deleting(const std::string& claim) { return beingDeleted(cluster_, claim); }
  void initialize(const std::string& claim) {
    auto c = *cluster_.nodeClaim(claim);
    c.setCondition(nc::kInitialized, ConditionStatus::kTrue, "Initialized", "", clock_.now());
    cluster_.putClaim(c);
  }
  std::optional<double> metric(const std::string& family,
                               const std::map<std::string, std::string>& labels) {
    return gantry::testing::sampleValue(registry_, family, labels);
  }

  FakeClock clock_;
  FakeCluster cluster_;
  ClaimWriter claims_;
  Probe probe_;
  kube::FakeEventRecorder events_;
  state::Nominations nominations_{20s};
  prometheus::Registry registry_;
  ConsolidationMetrics consolidationMetrics_;
  ProvisionerMetrics metrics_;
  api::InstanceTypesPtr catalog_;
  const Clock::TimePoint t0_;
  std::unique_ptr<DisruptionReconciler> reconciler_;
  int reads_ = 0;  // calls of the consolidation source
};

TEST_F(ConsolidationTest, ReplacementIsInitializedBeforeTheOldNodeIsDrained) {
  putNode("big", "c.2xlarge", "8");
  putPod("web-1", "big", "1");
  passAt(0s);
  EXPECT_EQ(phase(), Consolidation::Phase::kValidating);
  passAt(10s);  // still within the validation period
  EXPECT_TRUE(claims_.created.empty());
  passAt(15s);
  ASSERT_EQ(claims_.created.size(), 1u);
  EXPECT_EQ(phase(), Consolidation::Phase::kLaunching);
  const std::string replacement = claims_.created[0].name;
  EXPECT_THAT(replacement, HasSubstr("default-"));
  passAt(20s);
  EXPECT_FALSE(deleting("big")) << "drained before the replacement was initialized";
  EXPECT_TRUE(nominations_.nominated(replacement, clock_.now()));
  initialize(replacement);
  auto result = passAt(25s);
  EXPECT_THAT(result.disrupted, ::testing::ElementsAre("big"));
  EXPECT_TRUE(deleting("big"));
  EXPECT_EQ(cluster_.nodeClaim("big")->annotations.at(std::string(nc::kDisruptionReasonAnnotation)),
            "Underutilized");
  EXPECT_EQ(metric("gantry_consolidation_decisions_total",
                   {{"nodepool", "default"}, {"action", "replace"}}),
            1.0);
  EXPECT_NEAR(*metric("gantry_consolidation_savings_dollars_per_hour", {}), 0.35, 1e-9);
  EXPECT_EQ(events_.count("Consolidating", "node-big"), 1u);
  EXPECT_EQ(events_.count("Consolidating", "big"), 1u);
}

TEST_F(ConsolidationTest, AFailedReplacementLaunchDrainsNothing) {
  putNode("big", "c.2xlarge", "8");
  putPod("web-1", "big", "1");
  passAt(0s);
  passAt(15s);
  ASSERT_EQ(claims_.created.size(), 1u);
  passAt(20s);  // the cache shows the replacement
  cluster_.userDelete("nodeclaim", claims_.created[0].name);  // the lifecycle gave up on it
  passAt(25s);
  EXPECT_FALSE(deleting("big"));
  EXPECT_EQ(events_.count("ConsolidationDropped", "node-big"), 1u);
  EXPECT_TRUE(cluster_.evicted().empty());
}

TEST_F(ConsolidationTest, RefusedReplacementCreateDrainsNothing) {
  claims_.fail = true;
  putNode("big", "c.2xlarge", "8");
  putPod("web-1", "big", "1");
  passAt(0s);
  passAt(15s);
  passAt(20s);
  EXPECT_FALSE(deleting("big"));
  EXPECT_EQ(events_.count("ConsolidationDropped", "node-big"), 1u);
}

TEST_F(ConsolidationTest, DeleteWaitsTheValidationPeriodAndDropsWhenTheClusterChanged) {
  putNode("a", "c.large", "2");
  putNode("b", "c.large", "2");
  putPod("p1", "a", "1");
  putPod("p2", "b", "500m");
  passAt(0s);
  ASSERT_EQ(phase(), Consolidation::Phase::kValidating);
  const auto move = *reconciler().consolidation()->move();
  EXPECT_EQ(move.kind, MoveKind::kDelete);
  // Meanwhile both nodes filled up: neither's pods fit on the other any more.
  putPod("p3", "a", "900m");
  putPod("p4", "b", "1");
  passAt(15s);
  EXPECT_EQ(phase(), Consolidation::Phase::kIdle);
  EXPECT_FALSE(deleting("a"));
  EXPECT_FALSE(deleting("b"));
  EXPECT_EQ(events_.count("ConsolidationDropped", "node-" + move.claims[0]), 1u);
}

TEST_F(ConsolidationTest, DeleteProceedsAfterValidation) {
  putNode("a", "c.large", "2");
  putNode("b", "c.large", "2");
  putPod("p1", "a", "1");
  putPod("p2", "b", "500m");
  passAt(0s);
  auto result = passAt(15s);
  ASSERT_EQ(result.disrupted.size(), 1u);
  EXPECT_TRUE(claims_.created.empty());
  EXPECT_EQ(metric("gantry_consolidation_decisions_total",
                   {{"nodepool", "default"}, {"action", "delete"}}),
            1.0);
}

TEST_F(ConsolidationTest, TrainingPodsStayUnlessThePoolOptsOut) {
  putNode("big", "c.2xlarge", "8");
  putPod("trainer", "big", "1", "PyTorchJob");
  passAt(0s);
  EXPECT_EQ(phase(), Consolidation::Phase::kIdle);
  EXPECT_EQ(events_.count("DisruptionBlocked", "node-big"), 1u);
  putPool([](api::NodePool& p) {
    p.annotations[std::string(kConsolidateTrainingPodsAnnotation)] = "true";
  });
  passAt(5s);
  EXPECT_EQ(phase(), Consolidation::Phase::kValidating);
}

TEST_F(ConsolidationTest, BarePodsBlock) {
  putNode("big", "c.2xlarge", "8");
  putPod("bare", "big", "1", "");
  passAt(0s);
  EXPECT_EQ(phase(), Consolidation::Phase::kIdle);
}

TEST_F(ConsolidationTest, APodDisruptionBudgetThatAllowsNothingDropsTheMove) {
  putNode("big", "c.2xlarge", "8");
  putPod("web-1", "big", "1");
  probe_.refused.insert("default/web-1");
  passAt(0s);
  passAt(15s);
  EXPECT_TRUE(claims_.created.empty());
  EXPECT_EQ(phase(), Consolidation::Phase::kIdle);
  EXPECT_EQ(events_.count("ConsolidationDropped", "node-big"), 1u);
}

TEST_F(ConsolidationTest, WhenEmptyPoolsAreNotConsolidated) {
  putPool([](api::NodePool& p) { p.consolidationPolicy = api::ConsolidationPolicy::kWhenEmpty; });
  putNode("big", "c.2xlarge", "8");
  putPod("web-1", "big", "1");
  passAt(0s);
  passAt(10min);
  EXPECT_EQ(phase(), Consolidation::Phase::kIdle);
  EXPECT_EQ(reads_, 0) << "no pool consolidates: the cluster need not be read";
}

}  // namespace
}  // namespace gantry::provisioner::disruption
