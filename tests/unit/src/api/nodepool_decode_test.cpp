// NodePool decoding in Karpenter v1's layout (so a Karpenter user only changes apiVersion),
// and core/v1 Node decoding for existing capacity.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "src/api/decode.h"

namespace gantry::api {
namespace {

using nlohmann::json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

Quantity q(std::string_view text) { return Quantity::parse(text).value(); }

// A Karpenter v1 NodePool, as its documentation writes one for GPU training nodes.
constexpr std::string_view kGpuPool = R"({
  "apiVersion": "karpenter.sh/v1",
  "kind": "NodePool",
  "metadata": {"name": "gpu"},
  "spec": {
    "template": {
      "metadata": {"labels": {"team": "ml", "workload-class": "gpu"}},
      "spec": {
        "nodeClassRef": {"group": "karpenter.k8s.aws", "kind": "EC2NodeClass", "name": "gpu-al2023"},
        "taints": [{"key": "nvidia.com/gpu", "value": "present", "effect": "NoSchedule"}],
        "startupTaints": [{"key": "node.gantry.dev/gpu-driver", "effect": "NoExecute"}],
        "requirements": [
          {"key": "karpenter.k8s.aws/instance-family", "operator": "In", "values": ["g5", "p4d"]},
          {"key": "karpenter.k8s.aws/instance-gpu-count", "operator": "Gt", "values": ["0"], "minValues": 2},
          {"key": "karpenter.sh/capacity-type", "operator": "NotIn", "values": ["spot"]},
          {"key": "topology.kubernetes.io/zone", "operator": "Exists"}
        ],
        "expireAfter": "168h",
        "terminationGracePeriod": "2h"
      }
    },
    "limits": {"cpu": "1000", "memory": "4000Gi", "nvidia.com/gpu": 64},
    "disruption": {"consolidationPolicy": "WhenEmpty", "consolidateAfter": "10m"},
    "weight": 50
  }
})";

NodePool poolOk(const json& object) {
  auto pool = decodeNodePool(object);
  EXPECT_TRUE(pool.has_value()) << (pool ? "" : pool.error().field + ": " + pool.error().message);
  return pool.value_or(NodePool{});
}

FieldError poolFails(const json& object) {
  auto pool = decodeNodePool(object);
  EXPECT_FALSE(pool.has_value());
  return pool ? FieldError{} : pool.error();
}

json pool(std::string_view spec) {
  return json{{"apiVersion", "gantry.dev/v1"}, {"kind", "NodePool"}, {"metadata", {{"name", "p"}}},
              {"spec", json::parse(spec)}};
}

TEST(NodePoolDecode, KarpenterV1Layout) {
  NodePool p = poolOk(json::parse(kGpuPool));
  EXPECT_EQ(p.name, "gpu");
  EXPECT_EQ(p.weight, 50);
  EXPECT_EQ(p.labels, (Labels{{"team", "ml"}, {"workload-class", "gpu"}}));
  EXPECT_EQ(p.nodeClassRef, "gpu-al2023");
  ASSERT_EQ(p.taints.size(), 1u);
  EXPECT_EQ(p.taints[0], (Taint{"nvidia.com/gpu", "present", TaintEffect::kNoSchedule}));
  ASSERT_EQ(p.startupTaints.size(), 1u);
  EXPECT_EQ(p.startupTaints[0], (Taint{"node.gantry.dev/gpu-driver", "", TaintEffect::kNoExecute}));
  ASSERT_EQ(p.requirements.size(), 4u) << "a capacity-type requirement is there: no default added";
  EXPECT_EQ(p.requirements[0].toString(), "karpenter.k8s.aws/instance-family In [g5,p4d]");
  // minValues is checked (1..50; an In needs that many values) but not kept.
  EXPECT_EQ(p.requirements[1].toString(), "karpenter.k8s.aws/instance-gpu-count Gt [0]");
  EXPECT_EQ(p.requirements[2].op, SelectorOp::kNotIn);
  EXPECT_EQ(p.requirements[3].op, SelectorOp::kExists);
  EXPECT_EQ(p.limits.get("cpu"), q("1000"));
  EXPECT_EQ(p.limits.get("memory"), q("4000Gi"));
  EXPECT_EQ(p.limits.get("nvidia.com/gpu"), q("64"));
  EXPECT_FALSE(p.limits.has("nodes"));  // a missing name is unlimited
  EXPECT_EQ(p.consolidateAfter, "10m");
  EXPECT_EQ(p.consolidationPolicy, ConsolidationPolicy::kWhenEmpty);
  EXPECT_EQ(p.expireAfter, "168h");
  EXPECT_EQ(p.terminationGracePeriod, "2h");
}

TEST(NodePoolDecode, ABadTerminationGracePeriodNamesTheField) {
  auto e = poolFails(pool(R"({"template": {"spec": {"terminationGracePeriod": "soon"}}})"));
  EXPECT_EQ(e.field, "spec.template.spec.terminationGracePeriod");
  EXPECT_EQ(poolOk(pool("{}")).terminationGracePeriod, "");
}

TEST(NodePoolDecode, EmptySpecGetsKarpenterDefaults) {
  NodePool p = poolOk(pool("{}"));
  EXPECT_EQ(p.weight, 0);
  EXPECT_TRUE(p.labels.empty());
  EXPECT_TRUE(p.taints.empty());
  // Karpenter's default capacity type: on-demand, unless the pool names one.
  ASSERT_EQ(p.requirements.size(), 1u);
  EXPECT_EQ(p.requirements[0].toString(), "gantry.dev/capacity-type In [on-demand]");
  EXPECT_TRUE(p.limits.empty());
  // Karpenter v1 defaults disruption to {consolidateAfter: 0s} and expireAfter to 720h,
  // whether or not the template is present.
  EXPECT_EQ(p.consolidateAfter, "0s");
  EXPECT_EQ(p.expireAfter, "720h");
}

TEST(NodePoolDecode, DefaultsApplyWithPartialBlocks) {
  NodePool p = poolOk(pool(R"({"disruption": {"consolidationPolicy": "WhenEmpty"},
      "template": {"spec": {"requirements": []}}})"));
  EXPECT_EQ(p.consolidateAfter, "0s");
  EXPECT_EQ(p.expireAfter, "720h");
  NodePool never = poolOk(pool(R"({"disruption": {"consolidateAfter": "Never"},
      "template": {"spec": {"expireAfter": "Never"}}})"));
  EXPECT_EQ(never.consolidateAfter, "Never");
  EXPECT_EQ(never.expireAfter, "Never");
}

TEST(NodePoolDecode, WeightBounds) {
  EXPECT_EQ(poolOk(pool(R"({"weight": 100})")).weight, 100);
  EXPECT_EQ(poolOk(pool(R"({"weight": 1})")).weight, 1);
  EXPECT_EQ(poolOk(pool(R"({"weight": 0})")).weight, 0);
  EXPECT_EQ(poolFails(pool(R"({"weight": 101})")).field, "spec.weight");
  EXPECT_EQ(poolFails(pool(R"({"weight": -1})")).field, "spec.weight");
  EXPECT_EQ(poolFails(pool(R"({"weight": 4294967346})")).field, "spec.weight");  // 2^32 + 50
  EXPECT_EQ(poolFails(pool(R"({"weight": "50"})")).field, "spec.weight");
}

TEST(NodePoolDecode, ErrorsNameTheField) {
  struct Case {
    std::string spec;
    std::string field;
  };
  for (const Case& c : std::vector<Case>{
           {R"({"limits": {"cpu": "lots"}})", "spec.limits.cpu"},
           {R"({"limits": {"memory": "-1Gi"}})", "spec.limits.memory"},
           {R"({"limits": []})", "spec.limits"},
           {R"({"disruption": {"consolidateAfter": 30}})", "spec.disruption.consolidateAfter"},
           {R"({"disruption": "30s"})", "spec.disruption"},
           {R"({"template": []})", "spec.template"},
           {R"({"template": {"metadata": []}})", "spec.template.metadata"},
           {R"({"template": {"metadata": {"labels": {"gpu": true}}}})", "spec.template.metadata.labels.gpu"},
           {R"({"template": {"spec": "x"}})", "spec.template.spec"},
           {R"({"template": {"spec": {"taints": [{"key": "a", "effect": "Sometimes"}]}}})",
            "spec.template.spec.taints[0].effect"},
           {R"({"template": {"spec": {"taints": [{"effect": "NoSchedule"}]}}})", "spec.template.spec.taints[0].key"},
           {R"({"template": {"spec": {"taints": [{"key": "a"}]}}})", "spec.template.spec.taints[0].effect"},
           {R"({"template": {"spec": {"startupTaints": {"key": "a"}}}})", "spec.template.spec.startupTaints"},
           {R"({"template": {"spec": {"requirements": [{"key": "a", "operator": "In", "values": ["x"]},
                {"key": "b", "operator": "Is", "values": ["x"]}]}}})",
            "spec.template.spec.requirements[1].operator"},
           {R"({"template": {"spec": {"requirements": [{"key": "n", "operator": "Lt", "values": ["1.5"]}]}}})",
            "spec.template.spec.requirements[0]"},
           {R"({"template": {"spec": {"requirements": [{"key": "n", "operator": "In", "values": [1]}]}}})",
            "spec.template.spec.requirements[0].values[0]"},
           {R"({"template": {"spec": {"nodeClassRef": "default"}}})", "spec.template.spec.nodeClassRef"},
           {R"({"template": {"spec": {"nodeClassRef": {"name": 1}}}})", "spec.template.spec.nodeClassRef.name"},
           {R"({"template": {"spec": {"expireAfter": 720}}})", "spec.template.spec.expireAfter"},
       }) {
    EXPECT_EQ(poolFails(pool(c.spec)).field, c.field) << c.spec;
  }
}

TEST(NodePoolDecode, NeedsNameAndSpec) {
  EXPECT_EQ(poolFails(json::parse(R"({"spec": {}})")).field, "metadata");
  EXPECT_EQ(poolFails(json::parse(R"({"metadata": {}, "spec": {}})")).field, "metadata.name");
  EXPECT_EQ(poolFails(json::parse(R"({"metadata": {"name": "p"}})")).field, "spec");
  EXPECT_EQ(poolFails(json::parse(R"({"metadata": {"name": "p"}, "spec": 1})")).field, "spec");
  EXPECT_EQ(poolFails(json("NodePool")).field, "");
}

TEST(NodePoolDefaults, DefaultPoolIsLinuxAmd64OnDemandCurrentGeneration) {
  NodePool p = NodePool::defaultPool();
  EXPECT_EQ(p.name, "default");
  Labels ok = {{"kubernetes.io/os", "linux"},
               {"kubernetes.io/arch", "amd64"},
               {"gantry.dev/capacity-type", "on-demand"},
               {"gantry.dev/instance-current-generation", "true"}};
  EXPECT_TRUE(NodeSelectorTerm{p.requirements}.matches(ok));
  Labels spot = ok;
  spot["gantry.dev/capacity-type"] = "spot";
  EXPECT_FALSE(NodeSelectorTerm{p.requirements}.matches(spot));
}

// --- Node ----------------------------------------------------------------------------------

constexpr std::string_view kNode = R"({
  "apiVersion": "v1", "kind": "Node",
  "metadata": {"name": "ip-10-0-1-7.ec2.internal", "labels": {
    "gantry.dev/nodepool": "gpu", "node.kubernetes.io/instance-type": "g5.xlarge",
    "topology.kubernetes.io/zone": "us-east-1a"}},
  "spec": {"providerID": "aws:///us-east-1a/i-0123456789abcdef0",
           "taints": [{"key": "nvidia.com/gpu", "value": "present", "effect": "NoSchedule"}]},
  "status": {
    "allocatable": {"cpu": "3920m", "memory": "15103Mi", "pods": "58", "nvidia.com/gpu": "1"},
    "conditions": [{"type": "MemoryPressure", "status": "False"}, {"type": "Ready", "status": "True"}]}
})";

Node nodeOk(const json& object) {
  auto node = decodeNode(object);
  EXPECT_TRUE(node.has_value()) << (node ? "" : node.error().field + ": " + node.error().message);
  return node.value_or(Node{});
}

TEST(NodeDecode, ReadsIdentityCapacityAndTaints) {
  Node n = nodeOk(json::parse(kNode));
  EXPECT_EQ(n.name, "ip-10-0-1-7.ec2.internal");
  EXPECT_EQ(n.providerId, "aws:///us-east-1a/i-0123456789abcdef0");
  EXPECT_EQ(n.nodePool, "gpu");
  EXPECT_EQ(n.instanceType, "g5.xlarge");
  EXPECT_EQ(n.labels.at("topology.kubernetes.io/zone"), "us-east-1a");
  EXPECT_EQ(n.allocatable.get("cpu"), q("3920m"));
  EXPECT_EQ(n.allocatable.get("memory"), q("15103Mi"));
  EXPECT_EQ(n.allocatable.get("pods"), q("58"));
  EXPECT_EQ(n.allocatable.get("nvidia.com/gpu"), q("1"));
  ASSERT_EQ(n.taints.size(), 1u);
  EXPECT_EQ(n.taints[0].toString(), "nvidia.com/gpu=present:NoSchedule");
  EXPECT_TRUE(n.ready);
  EXPECT_FALSE(n.unschedulable);
  EXPECT_FALSE(n.inFlight);
}

TEST(NodePoolDecode, StatusResourcesAreTheUsageLastWritten) {
  json object = pool(R"({"template": {}})");
  object["status"] = {{"resources", {{"cpu", "12"}, {"nvidia.com/gpu", "3"}, {"nodes", 3}}}};
  NodePool p = poolOk(object);
  EXPECT_EQ(p.statusResources.get("cpu"), q("12"));
  EXPECT_EQ(p.statusResources.get("nvidia.com/gpu"), q("3"));
  EXPECT_EQ(p.statusResources.get("nodes"), q("3"));
  EXPECT_TRUE(poolOk(pool(R"({"template": {}})")).statusResources.empty());
}

TEST(NodePoolDecode, MalformedStatusResourcesAreDroppedNotAnError) {
  json object = json::parse(kGpuPool);
  object["status"] = {{"resources", {{"cpu", "lots"}}}};
  NodePool p = poolOk(object);
  EXPECT_TRUE(p.statusResources.empty());
  EXPECT_EQ(p.limits.get("nvidia.com/gpu"), q("64"));
}

TEST(NodeDecode, ReadyOnlyWithReadyTrue) {
  json n = json::parse(kNode);
  n["status"]["conditions"][1]["status"] = "Unknown";
  EXPECT_FALSE(nodeOk(n).ready);
  n["status"].erase("conditions");
  EXPECT_FALSE(nodeOk(n).ready);
  n.erase("status");
  EXPECT_FALSE(nodeOk(n).ready);
}

TEST(NodeDecode, MalformedConditionsAreSkippedNotThrown) {
  json n = json::parse(kNode);
  n["status"]["conditions"] = json::parse(R"(["Ready", {"type": 5}, {"type": "Ready", "status": true},
      {"type": ["Ready"]}])");
  EXPECT_FALSE(nodeOk(n).ready);
}

TEST(NodeDecode, CordonedNode) {
  json n = json::parse(kNode);
  n["spec"]["unschedulable"] = true;
  EXPECT_TRUE(nodeOk(n).unschedulable);
  n["spec"]["unschedulable"] = "true";
  auto bad = decodeNode(n);
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().field, "spec.unschedulable");
}

TEST(NodeDecode, UnmanagedNodeHasNoPool) {
  Node n = nodeOk(json::parse(R"({"metadata": {"name": "n"}})"));
  EXPECT_EQ(n.nodePool, "");
  EXPECT_EQ(n.instanceType, "");
  EXPECT_TRUE(n.allocatable.empty());
  EXPECT_THAT(n.taints, IsEmpty());
}

TEST(NodeDecode, ErrorsNameTheField) {
  auto field = [](std::string_view text) {
    auto n = decodeNode(json::parse(text));
    EXPECT_FALSE(n.has_value()) << text;
    return n ? std::string("<decoded>") : n.error().field;
  };
  EXPECT_EQ(field(R"({"metadata": {"name": "n"}, "status": {"allocatable": {"cpu": "x"}}})"),
            "status.allocatable.cpu");
  EXPECT_EQ(field(R"({"metadata": {"name": "n"}, "spec": {"taints": [{"key": "a", "effect": "Bad"}]}})"),
            "spec.taints[0].effect");
  EXPECT_EQ(field(R"({"metadata": {"name": "n", "labels": {"a": 1}}})"), "metadata.labels.a");
  EXPECT_EQ(field(R"({"metadata": {"name": "n"}, "spec": {"providerID": 7}})"), "spec.providerID");
  EXPECT_EQ(field(R"({"metadata": {"name": "n"}, "spec": []})"), "spec");
  EXPECT_EQ(field(R"({"metadata": {"name": "n"}, "status": "Ready"})"), "status");
  EXPECT_EQ(field(R"({"metadata": {"name": ""}})"), "metadata.name");
  EXPECT_EQ(field(R"({"kind": "Node"})"), "metadata");
}

}  // namespace
}  // namespace gantry::api
