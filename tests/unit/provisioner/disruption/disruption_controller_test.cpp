// DisruptionReconciler::pass() over the in-memory cluster: which nodes emptiness reaps (only
// Initialized, Consolidatable, empty ones of a pool whose consolidateAfter is not Never), what
// holds one back (do-not-disrupt, the NodePool's budgets) with a DisruptionBlocked Event not
// repeated within five minutes, how a node is disrupted (fenced, re-checked, annotated with the
// reason, its claim deleted, DisruptionTerminating), a node that gained work between listing
// and acting (kept and un-fenced), write failures (retried), and the metrics.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <prometheus/registry.h>

#include <functional>

#include "provisioner/disruption/disruption_controller.h"
#include "provisioner/nodeclaim/drain.h"
#include "tests/fakes/fake_clock.h"
#include "tests/fakes/fake_event_recorder.h"
#include "tests/unit/provisioner/nodeclaim/fake_lifecycle.h"

namespace gantry::provisioner::disruption {
namespace {

using namespace std::chrono_literals;
using nodeclaim::testing::FakeCluster;
using nodeclaim::testing::podJson;
using nodeclaim::testing::PodSpec;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using json = nlohmann::json;
namespace nc = api::nodeclaim;
using api::ConditionStatus;

std::string nodeOf(const std::string& claim) { return "node-" + claim; }

bool hasFenceTaint(const json& node) {
  for (const auto& t : node.value("spec", json::object()).value("taints", json::array())) {
    if (t.value("key", "") == nodeclaim::kDisruptedTaintKey) return true;
  }
  return false;
}

bool cordoned(const json& node) {
  const json spec = node.value("spec", json::object());
  return spec.contains("unschedulable") && spec["unschedulable"].is_boolean() &&
         spec["unschedulable"].get<bool>();
}

// A LifecycleWriter over the cluster that runs `afterFence` once, right after the first
// successful patchNode: what the rest of the cluster did between the pass listing the node and
// the controller acting on it.
class HookedWriter final : public nodeclaim::LifecycleWriter {
 public:
  explicit HookedWriter(FakeCluster& cluster) : cluster_(cluster) {}
  std::function<void()> afterFence;

  Result<json> getNode(const std::string& name) override { return cluster_.getNode(name); }
  Status patchNode(const std::string& name, const json& patch) override {
    Status s = cluster_.patchNode(name, patch);
    if (s.isOk() && afterFence) {
      auto hook = std::move(afterFence);
      afterFence = nullptr;
      hook();
    }
    return s;
  }
  Status deleteNode(const std::string& name) override { return cluster_.deleteNode(name); }
  Status patchNodeClaimStatus(const std::string& name, const json& patch) override {
    return cluster_.patchNodeClaimStatus(name, patch);
  }
  Status patchNodeClaim(const std::string& name, const json& patch) override {
    return cluster_.patchNodeClaim(name, patch);
  }
  Result<std::string> addNodeClaimLabels(const std::string& name, const api::Labels& labels,
                                         const std::string& rv) override {
    return cluster_.addNodeClaimLabels(name, labels, rv);
  }
  Status deleteNodeClaim(const std::string& name) override {
    return cluster_.deleteNodeClaim(name);
  }
  Status evictPod(const std::string& ns, const std::string& name) override {
    return cluster_.evictPod(ns, name);
  }
  Status deletePod(const std::string& ns, const std::string& name) override {
    return cluster_.deletePod(ns, name);
  }

 private:
  FakeCluster& cluster_;
};

api::DisruptionBudget budget(std::string nodes,
                             std::optional<std::vector<api::BudgetReason>> reasons = {}) {
  api::DisruptionBudget b;
  b.nodes = std::move(nodes);
  b.reasons = std::move(reasons);
  return b;
}

struct NodeOpts {
  bool initialized = true;
  std::optional<ConditionStatus> consolidatable = ConditionStatus::kTrue;
  // Since when it qualifies (its lastPodEventTime); the order candidates are taken in.
  Clock::Duration idleSince = 0s;
  int gpus = 4;
  bool ready = true;
  std::string pool = "gpu";
};

class DisruptionTest : public ::testing::Test {
 protected:
  DisruptionTest() : cluster_(clock_), writer_(cluster_), metrics_(registry_), t0_(clock_.now()) {
    putPool();
  }

  void putPool(const std::function<void(api::NodePool&)>& edit = {}) {
    api::NodePool pool;
    pool.name = "gpu";
    pool.consolidateAfter = "30s";
    if (edit) edit(pool);
    cluster_.putPool(pool);
  }

  // A NodeClaim `name` with its Node node-<name>: launched, registered and initialized an hour
  // before t0, its last pod event at t0 - 1h + opts.idleSince, and (by default) marked
  // Consolidatable since. No pods.
  api::NodeClaim putNode(const std::string& name, const NodeOpts& opts = {}) {
    const auto base = t0_ - 1h;
    api::NodeClaim c;
    c.name = name;
    c.labels = {{"gantry.dev/nodepool", opts.pool}};
    c.finalizers = {std::string(nc::kTerminationFinalizer)};
    c.nodeClassRef = {.group = "gantry.dev", .kind = "EC2NodeClass", .name = "default"};
    c.providerId = "aws:///us-east-1a/i-" + name;
    c.nodeName = nodeOf(name);
    for (auto type : {nc::kLaunched, nc::kRegistered}) {
      c.setCondition(type, ConditionStatus::kTrue, std::string(type), "", base);
    }
    if (opts.initialized) {
      c.setCondition(nc::kInitialized, ConditionStatus::kTrue, "Initialized", "", base);
      c.setCondition(nc::kReady, ConditionStatus::kTrue, "Ready", "", base);
    } else {
      c.setCondition(nc::kInitialized, ConditionStatus::kUnknown, "NotInitialized", "", base);
    }
    c.lastPodEventTime = base + opts.idleSince;
    if (opts.consolidatable) {
      c.setCondition(nc::kConsolidatable, *opts.consolidatable, "", "",
                     base + opts.idleSince + 30s);
    }
    cluster_.putClaim(c);
    cluster_.putNode(nodeJson(nodeOf(name), opts.gpus, opts.ready, opts.pool));
    return c;
  }

  static json nodeJson(const std::string& name, int gpus, bool ready, const std::string& pool) {
    return json{{"apiVersion", "v1"},
                {"kind", "Node"},
                {"metadata", {{"name", name}, {"labels", {{"gantry.dev/nodepool", pool}}}}},
                {"spec", {{"providerID", "aws:///us-east-1a/i-" + name.substr(5)}}},
                {"status",
                 {{"conditions",
                   json::array({{{"type", "Ready"}, {"status", ready ? "True" : "False"}}})},
                  {"allocatable",
                   {{"cpu", "8"}, {"nvidia.com/gpu", std::to_string(gpus)}, {"pods", "110"}}}}}};
  }

  // A workload pod bound to the claim's node.
  void putPod(const std::string& pod, const std::string& claim, PodSpec spec = {.owner = "Job"},
              json annotations = json::object()) {
    json p = podJson(pod, nodeOf(claim), spec);
    for (auto& [k, v] : annotations.items()) p["metadata"]["annotations"][k] = v;
    cluster_.putPod(std::move(p));
  }

  void annotate(const std::string& claim, const std::string& key, const std::string& value) {
    auto c = *cluster_.nodeClaim(claim);
    c.annotations[key] = value;
    cluster_.putClaim(c);
  }

  DisruptionReconciler& reconciler() {
    if (!reconciler_) {
      reconciler_ = std::make_unique<DisruptionReconciler>(cluster_, writer_, events_, clock_,
                                                           DisruptionOptions{}, &nominations_,
                                                           &metrics_);
    }
    return *reconciler_;
  }

  PassResult passAt(Clock::Duration at) {
    clock_.set(t0_ + at);
    return reconciler().pass();
  }

  // Disruption began: the claim is being deleted (its finalizer holds it).
  bool deleting(const std::string& claim) {
    auto c = cluster_.nodeClaim(claim);
    return c && c->deleting();
  }
  std::string reasonAnnotation(const std::string& claim) {
    auto c = cluster_.nodeClaim(claim);
    if (!c) return "<gone>";
    auto it = c->annotations.find(std::string(nc::kDisruptionReasonAnnotation));
    return it == c->annotations.end() ? "" : it->second;
  }
  bool fenced(const std::string& claim) { return hasFenceTaint(*cluster_.rawNode(nodeOf(claim))); }
  bool isCordoned(const std::string& claim) { return cordoned(*cluster_.rawNode(nodeOf(claim))); }
  // The termination finalizer done: claim and Node gone.
  void finishTermination(const std::string& claim) {
    cluster_.userDelete("node", nodeOf(claim));
    ASSERT_TRUE(cluster_.patchNodeClaim(claim, json{{"metadata", {{"finalizers", json::array()}}}})
                    .isOk());
    ASSERT_EQ(cluster_.nodeClaim(claim), nullptr);
  }
  size_t writes() const {
    size_t n = 0;
    for (const auto& call : cluster_.calls()) {
      if (call != "getNode") ++n;
    }
    return n;
  }
  std::vector<std::string> eventMessages(const std::string& reason, const std::string& name) {
    std::vector<std::string> out;
    for (const auto& e : events_.events()) {
      if (e.reason == reason && e.object.name == name) out.push_back(e.message);
    }
    return out;
  }

  std::optional<double> eligible() {
    return metric("gantry_nodes_eligible_for_disruption",
                  {{"nodepool", "gpu"}, {"reason", "Empty"}});
  }
  // The value of a counter or gauge series; nullopt when the series does not exist.
  std::optional<double> metric(const std::string& family,
                               const std::map<std::string, std::string>& labels) {
    for (const auto& f : registry_.Collect()) {
      if (f.name != family) continue;
      for (const auto& m : f.metric) {
        std::map<std::string, std::string> have;
        for (const auto& l : m.label) have[l.name] = l.value;
        if (have != labels) continue;
        return f.type == prometheus::MetricType::Gauge ? m.gauge.value : m.counter.value;
      }
    }
    return std::nullopt;
  }

  FakeClock clock_;
  FakeCluster cluster_;
  HookedWriter writer_;
  kube::FakeEventRecorder events_;
  state::Nominations nominations_{20s};
  prometheus::Registry registry_;
  ProvisionerMetrics metrics_;
  const Clock::TimePoint t0_;
  std::unique_ptr<DisruptionReconciler> reconciler_;
};

// --- what is reaped

TEST_F(DisruptionTest, AnEmptyConsolidatableNodeIsFencedAnnotatedAndItsClaimDeleted) {
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

TEST_F(DisruptionTest, ANodeBeingDisruptedIsNotDisruptedAgain) {
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

TEST_F(DisruptionTest, OnlyDaemonSetMirrorAndFinishedPodsStillCountsAsEmpty) {
  putNode("a");
  putPod("fluentd", "a", PodSpec{.ns = "kube-system", .owner = "DaemonSet"});
  putPod("kube-proxy", "a", PodSpec{.ns = "kube-system", .owner = "Node", .mirror = true});
  putPod("trial-1", "a", PodSpec{.owner = "Job", .phase = "Succeeded"});
  putPod("trial-2", "a", PodSpec{.owner = "Job", .phase = "Failed"});
  EXPECT_THAT(passAt(0s).disrupted, ElementsAre("a"));
}

TEST_F(DisruptionTest, ANodeWithWorkIsLeftAlone) {
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

TEST_F(DisruptionTest, APodTheSchedulerNominatedKeepsTheNode) {
  putNode("a");
  json pod = podJson("preemptor", "", PodSpec{.owner = "Job", .phase = "Pending"});
  pod["status"]["nominatedNodeName"] = nodeOf("a");
  cluster_.putPod(pod);
  EXPECT_THAT(passAt(0s).disrupted, IsEmpty());
  EXPECT_EQ(writes(), 0u);
}

TEST_F(DisruptionTest, AProvisionerNominationKeepsTheNodeUntilItExpires) {
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

TEST_F(DisruptionTest, NeverANodeNotYetInitialized) {
  // Even with a (stale) Consolidatable mark.
  putNode("a", {.initialized = false});
  PassResult result = passAt(0s);
  EXPECT_THAT(result.disrupted, IsEmpty());
  EXPECT_EQ(result.nodes, 0u);
  EXPECT_EQ(writes(), 0u);
  EXPECT_TRUE(events_.events().empty());
}

TEST_F(DisruptionTest, OnlyConsolidatableClaimsAreCandidates) {
  putNode("unmarked", {.consolidatable = std::nullopt});
  putNode("recent-pod-event", {.consolidatable = ConditionStatus::kFalse});
  PassResult result = passAt(0s);
  EXPECT_EQ(result.nodes, 2u);
  EXPECT_EQ(result.candidates, 0u);
  EXPECT_EQ(writes(), 0u);
}

TEST_F(DisruptionTest, ConsolidateAfterNeverDisablesIt) {
  putPool([](api::NodePool& p) { p.consolidateAfter = "Never"; });
  putNode("a");  // marked while the pool said otherwise
  PassResult result = passAt(0s);
  EXPECT_EQ(result.candidates, 0u);
  EXPECT_EQ(writes(), 0u);
}

TEST_F(DisruptionTest, BothConsolidationPoliciesReapEmptyNodes) {
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

TEST_F(DisruptionTest, NodesNotOursOrNotWellAreLeftAlone) {
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

TEST_F(DisruptionTest, TheLongestIdleNodeGoesFirst) {
  putPool([](api::NodePool& p) { p.budgets = {budget("1")}; });
  putNode("newest", {.idleSince = 20min});
  putNode("oldest", {.idleSince = 5min});
  putNode("middle", {.idleSince = 10min});
  EXPECT_THAT(passAt(0s).disrupted, ElementsAre("oldest"));
}

// --- do-not-disrupt

TEST_F(DisruptionTest, DoNotDisruptOnAPodTheNodeOrTheClaimBlocksWithAnEventNamingIt) {
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

TEST_F(DisruptionTest, DoNotDisruptOtherThanTrueOrOnAFinishedPodDoesNotBlock) {
  const std::string gantry(nc::kDoNotDisruptAnnotation);
  putNode("a");
  annotate("a", gantry, "false");
  putPod("trial", "a", PodSpec{.owner = "Job", .phase = "Succeeded"}, {{gantry, "true"}});
  EXPECT_THAT(passAt(0s).disrupted, ElementsAre("a"));
  EXPECT_EQ(events_.count("DisruptionBlocked"), 0u);
}

TEST_F(DisruptionTest, ABlockedNodeIsNotToldAgainWithinFiveMinutes) {
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

TEST_F(DisruptionTest, OnceTheBlockIsGoneTheNodeIsDisrupted) {
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

// --- budgets

TEST_F(DisruptionTest, TheDefaultBudgetAllowsTenPercentRoundedUp) {
  for (int i = 0; i < 3; ++i) putNode("a" + std::to_string(i), {.idleSince = i * 1min});
  PassResult result = passAt(0s);
  EXPECT_THAT(result.disrupted, ElementsAre("a0")) << "10% of 3 nodes is 0.3, rounded up to 1";
  EXPECT_EQ(result.blocked, 2u);
  EXPECT_THAT(eventMessages("DisruptionBlocked", "a1"),
              ElementsAre(AllOf(HasSubstr("NodePool gpu"), HasSubstr("nodes=10%"))));
  EXPECT_EQ(metric("gantry_disruption_blocked_total", {{"nodepool", "gpu"}, {"cause", "budget"}}),
            2);
}

TEST_F(DisruptionTest, TheDefaultBudgetOfElevenNodesAllowsTwo) {
  for (int i = 0; i < 11; ++i) putNode("n" + std::to_string(10 + i), {.idleSince = i * 1min});
  PassResult result = passAt(0s);
  EXPECT_THAT(result.disrupted, ElementsAre("n10", "n11")) << "10% of 11 is 1.1, rounded up";
  EXPECT_EQ(result.blocked, 9u);
}

TEST_F(DisruptionTest, NodesOneDisruptsOneAtATimeAcrossPasses) {
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

TEST_F(DisruptionTest, AFencedNodeCountsAsDisruptingAgainstTheBudget) {
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

TEST_F(DisruptionTest, AFenceLeftBehindByACrashIsClearedWithItsReasonAndTheNodeReapedLater) {
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
  EXPECT_THAT(passAt(0s).disrupted, IsEmpty()) << "fenced as this pass began";
  EXPECT_FALSE(fenced("a"));
  EXPECT_FALSE(isCordoned("a"));
  EXPECT_EQ(reasonAnnotation("a"), "");
  EXPECT_THAT(passAt(5s).disrupted, ElementsAre("a")) << "then reaped as any empty node";
}

TEST_F(DisruptionTest, ItsOwnFenceIsKeptWhileTheCacheHasNotSeenTheDelete) {
  putNode("a");
  ASSERT_THAT(passAt(0s).disrupted, ElementsAre("a"));
  // The cache lags: the claim comes back without its deletionTimestamp for a pass.
  api::NodeClaim stale = *cluster_.nodeClaim("a");
  stale.deletionTimestamp.reset();
  cluster_.putClaim(stale);
  EXPECT_THAT(passAt(5s).disrupted, IsEmpty());
  EXPECT_TRUE(fenced("a")) << "not mistaken for a fence left behind";
}

TEST_F(DisruptionTest, ABudgetForOtherReasonsDoesNotRestrictEmpty) {
  putPool([](api::NodePool& p) {
    p.budgets = {budget(
        "0", std::vector{api::BudgetReason::kDrifted, api::BudgetReason::kUnderutilized})};
  });
  putNode("a");
  putNode("b");
  EXPECT_EQ(passAt(0s).disrupted.size(), 2u) << "no budget applies to Empty: unlimited";
  EXPECT_EQ(events_.count("DisruptionBlocked"), 0u);
}

TEST_F(DisruptionTest, ABudgetForEmptyRestrictsEmptyAndIsNamed) {
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

TEST_F(DisruptionTest, ABudgetBlockIsNotToldAgainWithinFiveMinutesAsTheCountsMove) {
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

TEST_F(DisruptionTest, ABlockForAnotherCauseIsToldAtOnce) {
  putPool([](api::NodePool& p) { p.budgets = {budget("0")}; });
  putNode("a");
  passAt(0s);
  ASSERT_THAT(eventMessages("DisruptionBlocked", "a"), ElementsAre(HasSubstr("budget")));
  annotate("a", std::string(nc::kDoNotDisruptAnnotation), "true");
  passAt(5s);
  EXPECT_THAT(eventMessages("DisruptionBlocked", "a"),
              ElementsAre(HasSubstr("budget"), HasSubstr("do-not-disrupt")));
}

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
