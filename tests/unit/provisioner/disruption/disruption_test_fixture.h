// The fixture of the DisruptionReconciler tests (disruption_*_test.cpp): an in-memory cluster
// with NodePools, initialized claims and their Nodes, a writer that can run a hook right after
// the fence (what the cluster did between listing and acting), and the reconciler under test.
#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <prometheus/registry.h>

#include <functional>

#include "provisioner/disruption/disruption_controller.h"
#include "provisioner/nodeclaim/drain.h"
#include "tests/fakes/fake_clock.h"
#include "tests/fakes/fake_event_recorder.h"
#include "tests/support/metric_samples.h"
#include "tests/unit/provisioner/disruption/claim_queries.h"
#include "tests/unit/provisioner/nodeclaim/fake_lifecycle.h"

namespace gantry::provisioner::disruption {
namespace {  // each test file its own copy

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

  bool deleting(const std::string& claim) { return beingDeleted(cluster_, claim); }
  std::string reasonAnnotation(const std::string& claim) {
    return disruptionReason(cluster_, claim);
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
    return gantry::testing::sampleValue(registry_, family, labels);
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

}  // namespace
}  // namespace gantry::provisioner::disruption
