// Pod decoding: what the scheduler would see (effective requests, constraints, status) and
// a FieldError with the exact path for every kind of bad input.
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

ResourceList list(std::initializer_list<std::pair<std::string, std::string>> items) {
  ResourceList out;
  for (const auto& [name, value] : items) out.set(name, q(value));
  return out;
}

// A pod named "p" with the given spec (JSON text). A spec about other things than
// containers gets one plain container, which the apiserver requires.
json podWithSpec(std::string_view spec) {
  json parsed = json::parse(spec);
  if (parsed.is_object() && !parsed.contains("containers")) {
    parsed["containers"] = json::array({{{"name", "c"}}});
  }
  return json{{"apiVersion", "v1"},
              {"kind", "Pod"},
              {"metadata", {{"name", "p"}, {"namespace", "ml"}}},
              {"spec", std::move(parsed)}};
}

Pod decodeOk(const json& object) {
  auto pod = decodePod(object);
  EXPECT_TRUE(pod.has_value()) << (pod ? "" : pod.error().field + ": " + pod.error().message);
  return pod.value_or(Pod{});
}

FieldError decodeFails(const json& object) {
  auto pod = decodePod(object);
  EXPECT_FALSE(pod.has_value()) << "decoded although it should not";
  return pod ? FieldError{} : pod.error();
}

// --- identity and defaults -------------------------------------------------------------

TEST(PodDecode, MinimalPodGetsKubernetesDefaults) {
  Pod pod = decodeOk(json::parse(R"({"metadata": {"name": "p"}, "spec": {"containers": [{"name": "c"}]}})"));
  EXPECT_EQ(pod.name, "p");
  EXPECT_EQ(pod.ns, "default");
  EXPECT_EQ(pod.key(), "default/p");
  EXPECT_EQ(pod.phase, "Pending");
  EXPECT_EQ(pod.schedulerName, "default-scheduler");
  EXPECT_EQ(pod.priority, 0);
  EXPECT_TRUE(pod.requests.empty());
  EXPECT_TRUE(pod.owner.empty());
  EXPECT_EQ(pod.gang, "");
  EXPECT_FALSE(pod.terminating);
  EXPECT_FALSE(pod.schedulingGated);
  EXPECT_FALSE(pod.unschedulable);
  EXPECT_TRUE(pod.requiredNodeAffinity.empty());
}

TEST(PodDecode, EmptyNamespaceMeansDefault) {
  Pod pod = decodeOk(json::parse(R"({"metadata": {"name": "p", "namespace": ""}, "spec": {"containers": [{"name": "c"}]}})"));
  EXPECT_EQ(pod.ns, "default");
}

TEST(PodDecode, KeepsLabelsAnnotationsUidAndNamespace) {
  Pod pod = decodeOk(json::parse(R"({"metadata": {"name": "p", "namespace": "ml", "uid": "u-1",
      "labels": {"app": "trainer"}, "annotations": {"note": "x"}}, "spec": {"containers": [{"name": "c"}]}})"));
  EXPECT_EQ(pod.key(), "ml/p");
  EXPECT_EQ(pod.uid, "u-1");
  EXPECT_EQ(pod.labels, (Labels{{"app", "trainer"}}));
  EXPECT_EQ(pod.annotations.at("note"), "x");
}

// --- effective requests ----------------------------------------------------------------

TEST(PodDecode, RequestsSumAppContainers) {
  Pod pod = decodeOk(podWithSpec(R"({"containers": [
      {"name": "a", "resources": {"requests": {"cpu": "500m", "memory": "1Gi"}}},
      {"name": "b", "resources": {"requests": {"cpu": "1"}, "limits": {"nvidia.com/gpu": "1"}}},
      {"name": "c"}]})"));
  EXPECT_EQ(pod.requests, list({{"cpu", "1500m"}, {"memory", "1Gi"}, {"nvidia.com/gpu", "1"}}));
}

TEST(PodDecode, LargestInitContainerWinsPerResource) {
  Pod pod = decodeOk(podWithSpec(R"({
      "initContainers": [{"name": "i1", "resources": {"requests": {"cpu": "3", "memory": "1Gi"}}},
                         {"name": "i2", "resources": {"requests": {"cpu": "1", "memory": "6Gi"}}}],
      "containers": [{"name": "a", "resources": {"requests": {"cpu": "1", "memory": "2Gi"}}},
                     {"name": "b", "resources": {"requests": {"cpu": "1", "memory": "2Gi"}}}]})"));
  // cpu: max(2, 3) = 3; memory: max(4Gi, 6Gi) = 6Gi. Init containers run one at a time.
  EXPECT_EQ(pod.requests, list({{"cpu", "3"}, {"memory", "6Gi"}}));
}

TEST(PodDecode, SidecarsRunBesideAppContainers) {
  Pod pod = decodeOk(podWithSpec(R"({
      "initContainers": [{"name": "proxy", "restartPolicy": "Always",
                          "resources": {"requests": {"cpu": "1"}}}],
      "containers": [{"name": "a", "resources": {"requests": {"cpu": "2"}}}]})"));
  EXPECT_EQ(pod.requests, list({{"cpu", "3"}}));
}

TEST(PodDecode, SidecarsStartedBeforeAnInitContainerRunBesideIt) {
  Pod pod = decodeOk(podWithSpec(R"({
      "initContainers": [
        {"name": "proxy", "restartPolicy": "Always", "resources": {"requests": {"cpu": "1"}}},
        {"name": "setup", "resources": {"requests": {"cpu": "3"}}}],
      "containers": [{"name": "a", "resources": {"requests": {"cpu": "1"}}}]})"));
  // max(app 1 + sidecar 1, setup 3 + sidecar 1) = 4.
  EXPECT_EQ(pod.requests, list({{"cpu", "4"}}));
}

TEST(PodDecode, SidecarsStartedAfterAnInitContainerDoNotRunBesideIt) {
  Pod pod = decodeOk(podWithSpec(R"({
      "initContainers": [
        {"name": "setup", "resources": {"requests": {"cpu": "3"}}},
        {"name": "proxy", "restartPolicy": "Always", "resources": {"requests": {"cpu": "1"}}}],
      "containers": [{"name": "a", "resources": {"requests": {"cpu": "1"}}}]})"));
  // max(app 1 + sidecar 1, setup 3) = 3.
  EXPECT_EQ(pod.requests, list({{"cpu", "3"}}));
}

TEST(PodDecode, OverheadIsAddedOnTop) {
  Pod pod = decodeOk(podWithSpec(R"({
      "overhead": {"cpu": "250m", "memory": "120Mi"},
      "initContainers": [{"name": "i", "resources": {"requests": {"cpu": "2"}}}],
      "containers": [{"name": "a", "resources": {"requests": {"cpu": "1", "memory": "1Gi"}}}]})"));
  EXPECT_EQ(pod.requests, list({{"cpu", "2250m"}, {"memory", "1144Mi"}}));
}

TEST(PodDecode, LimitOnlyExtendedResourceCountsAsRequest) {
  Pod pod = decodeOk(podWithSpec(R"({"containers": [{"name": "train",
      "resources": {"requests": {"cpu": "2"}, "limits": {"nvidia.com/gpu": 1}}}]})"));
  EXPECT_EQ(pod.requests.get("nvidia.com/gpu"), q("1"));
  EXPECT_EQ(pod.requests.get("cpu"), q("2"));
  EXPECT_TRUE(pod.needsAccelerator());
}

TEST(PodDecode, LimitOnlyCpuAndMemoryDefaultTheRequestToo) {
  // The apiserver defaults any missing request from its limit, not only extended ones.
  Pod pod = decodeOk(podWithSpec(R"({"containers": [{"name": "a",
      "resources": {"limits": {"cpu": "2", "memory": "4Gi"}}}]})"));
  EXPECT_EQ(pod.requests, list({{"cpu", "2"}, {"memory", "4Gi"}}));
}

TEST(PodDecode, AnExplicitRequestWinsOverTheLimit) {
  Pod pod = decodeOk(podWithSpec(R"({"containers": [{"name": "a",
      "resources": {"requests": {"cpu": "500m"}, "limits": {"cpu": "2"}}}]})"));
  EXPECT_EQ(pod.requests, list({{"cpu", "500m"}}));
}

TEST(PodDecode, LimitOnlyResourceInAnInitContainerCounts) {
  Pod pod = decodeOk(podWithSpec(R"({
      "initContainers": [{"name": "warmup", "resources": {"limits": {"nvidia.com/gpu": "2"}}}],
      "containers": [{"name": "a", "resources": {"limits": {"nvidia.com/gpu": "1"}}}]})"));
  EXPECT_EQ(pod.requests.get("nvidia.com/gpu"), q("2"));
}

TEST(PodDecode, NumericQuantitiesAreAccepted) {
  // YAML `cpu: 2` and `cpu: 0.5` arrive as JSON numbers.
  Pod pod = decodeOk(podWithSpec(R"({"containers": [{"name": "a",
      "resources": {"requests": {"cpu": 0.5, "memory": 1073741824}, "limits": {"example.com/big": 9007199254740993}}}]})"));
  EXPECT_EQ(pod.requests.get("cpu"), q("500m"));
  EXPECT_EQ(pod.requests.get("memory"), q("1Gi"));
  // 2^53 + 1: exact, not rounded through a double.
  EXPECT_EQ(pod.requests.get("example.com/big"), q("9007199254740993"));
}

TEST(PodDecode, NoAcceleratorForCpuOnlyPods) {
  Pod pod = decodeOk(podWithSpec(R"({"containers": [{"name": "a",
      "resources": {"requests": {"cpu": "1"}, "limits": {"nvidia.com/gpu": "0"}}}]})"));
  EXPECT_FALSE(pod.needsAccelerator());
}

// --- placement constraints -------------------------------------------------------------

TEST(PodDecode, NodeSelectorIsKeptAndEnforced) {
  Pod pod = decodeOk(podWithSpec(R"({"nodeSelector": {"gantry.dev/instance-gpu-name": "a10g"}})"));
  EXPECT_EQ(pod.nodeSelector, (Labels{{"gantry.dev/instance-gpu-name", "a10g"}}));
  EXPECT_TRUE(pod.nodeLabelsAllowed({{"gantry.dev/instance-gpu-name", "a10g"}, {"x", "y"}}));
  EXPECT_FALSE(pod.nodeLabelsAllowed({{"gantry.dev/instance-gpu-name", "t4"}}));
  EXPECT_FALSE(pod.nodeLabelsAllowed({}));
}

TEST(PodDecode, RequiredNodeAffinityIsAnOrOfTerms) {
  Pod pod = decodeOk(podWithSpec(R"({"affinity": {"nodeAffinity": {
      "requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
        {"matchExpressions": [{"key": "topology.kubernetes.io/zone", "operator": "In", "values": ["us-east-1a"]},
                              {"key": "gantry.dev/instance-gpu-count", "operator": "Gt", "values": ["1"]}]},
        {"matchExpressions": [{"key": "kubernetes.io/arch", "operator": "In", "values": ["arm64"]}]}]}}}})"));
  ASSERT_EQ(pod.requiredNodeAffinity.terms.size(), 2u);
  EXPECT_EQ(pod.requiredNodeAffinity.terms[0].toString(),
            "topology.kubernetes.io/zone In [us-east-1a], gantry.dev/instance-gpu-count Gt [1]");
  EXPECT_TRUE(pod.nodeLabelsAllowed({{"topology.kubernetes.io/zone", "us-east-1a"},
                                     {"gantry.dev/instance-gpu-count", "4"}}));
  EXPECT_FALSE(pod.nodeLabelsAllowed({{"topology.kubernetes.io/zone", "us-east-1a"},
                                      {"gantry.dev/instance-gpu-count", "1"}}));
  EXPECT_TRUE(pod.nodeLabelsAllowed({{"kubernetes.io/arch", "arm64"}}));
}

TEST(PodDecode, NodeSelectorAndAffinityMustBothHold) {
  Pod pod = decodeOk(podWithSpec(R"({"nodeSelector": {"kubernetes.io/arch": "amd64"},
      "affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
        "nodeSelectorTerms": [{"matchExpressions": [{"key": "zone", "operator": "Exists"}]}]}}}})"));
  EXPECT_TRUE(pod.nodeLabelsAllowed({{"kubernetes.io/arch", "amd64"}, {"zone", "a"}}));
  EXPECT_FALSE(pod.nodeLabelsAllowed({{"kubernetes.io/arch", "amd64"}}));
  EXPECT_FALSE(pod.nodeLabelsAllowed({{"kubernetes.io/arch", "arm64"}, {"zone", "a"}}));
}

TEST(PodDecode, EmptyNodeSelectorTermMatchesNoNode) {
  Pod pod = decodeOk(podWithSpec(R"({"affinity": {"nodeAffinity": {
      "requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [{}]}}}})"));
  EXPECT_FALSE(pod.nodeLabelsAllowed({{"kubernetes.io/arch", "amd64"}}));
  EXPECT_FALSE(pod.nodeLabelsAllowed({}));
}

TEST(PodDecode, RequiredNodeAffinityWithoutTermsIsAnError) {
  // The apiserver refuses it; treating it as "no constraint" would place the pod anywhere.
  FieldError e = decodeFails(podWithSpec(R"({"affinity": {"nodeAffinity": {
      "requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": []}}}})"));
  EXPECT_EQ(e.field,
            "spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms");
  FieldError missing = decodeFails(podWithSpec(R"({"affinity": {"nodeAffinity": {
      "requiredDuringSchedulingIgnoredDuringExecution": {}}}})"));
  EXPECT_EQ(missing.field, e.field);
}

TEST(PodDecode, MatchFieldsTermNeverMatchesANewNode) {
  Pod pod = decodeOk(podWithSpec(R"({"affinity": {"nodeAffinity": {
      "requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
        {"matchFields": [{"key": "metadata.name", "operator": "In", "values": ["node-1"]}]}]}}}})"));
  EXPECT_FALSE(pod.nodeLabelsAllowed({{"metadata.name", "node-1"}}));
}

TEST(PodDecode, PreferredNodeAffinityKeepsWeightAndTerm) {
  Pod pod = decodeOk(podWithSpec(R"({"affinity": {"nodeAffinity": {
      "preferredDuringSchedulingIgnoredDuringExecution": [
        {"weight": 80, "preference": {"matchExpressions": [
          {"key": "gantry.dev/capacity-type", "operator": "In", "values": ["spot"]}]}},
        {"weight": 1, "preference": {"matchExpressions": [
          {"key": "zone", "operator": "NotIn", "values": ["a"]}]}}]}}})"));
  ASSERT_EQ(pod.preferredNodeAffinity.size(), 2u);
  EXPECT_EQ(pod.preferredNodeAffinity[0].weight, 80);
  EXPECT_EQ(pod.preferredNodeAffinity[0].term.toString(), "gantry.dev/capacity-type In [spot]");
  EXPECT_EQ(pod.preferredNodeAffinity[1].weight, 1);
  EXPECT_TRUE(pod.requiredNodeAffinity.empty());  // preferences never constrain
}

TEST(PodDecode, PreferredWeightsOutsideOneToHundredAreErrors) {
  FieldError e = decodeFails(podWithSpec(R"({"affinity": {"nodeAffinity": {
      "preferredDuringSchedulingIgnoredDuringExecution": [
        {"weight": 0, "preference": {"matchExpressions": []}}]}}})"));
  EXPECT_EQ(e.field, "spec.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].weight");
  FieldError e2 = decodeFails(podWithSpec(R"({"affinity": {"podAntiAffinity": {
      "preferredDuringSchedulingIgnoredDuringExecution": [
        {"weight": 101, "podAffinityTerm": {"topologyKey": "zone"}}]}}})"));
  EXPECT_EQ(e2.field, "spec.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].weight");
}

TEST(PodDecode, PodAffinityAndAntiAffinityTerms) {
  Pod pod = decodeOk(podWithSpec(R"({"affinity": {
      "podAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
        {"labelSelector": {"matchLabels": {"app": "ps"}}, "topologyKey": "topology.kubernetes.io/zone",
         "namespaces": ["ml", "shared"]}]},
      "podAntiAffinity": {
        "requiredDuringSchedulingIgnoredDuringExecution": [
          {"labelSelector": {"matchExpressions": [{"key": "app", "operator": "In", "values": ["trainer"]}]},
           "topologyKey": "kubernetes.io/hostname"}],
        "preferredDuringSchedulingIgnoredDuringExecution": [
          {"weight": 50, "podAffinityTerm": {"labelSelector": {}, "topologyKey": "kubernetes.io/hostname"}}]}}})"));
  ASSERT_EQ(pod.requiredPodAffinity.size(), 1u);
  EXPECT_EQ(pod.requiredPodAffinity[0].topologyKey, "topology.kubernetes.io/zone");
  EXPECT_THAT(pod.requiredPodAffinity[0].namespaces, ElementsAre("ml", "shared"));
  EXPECT_TRUE(pod.requiredPodAffinity[0].selector.matches({{"app", "ps"}}));
  EXPECT_TRUE(pod.preferredPodAffinity.empty());
  ASSERT_EQ(pod.requiredPodAntiAffinity.size(), 1u);
  EXPECT_TRUE(pod.requiredPodAntiAffinity[0].selector.matches({{"app", "trainer"}}));
  EXPECT_FALSE(pod.requiredPodAntiAffinity[0].selector.matches({{"app", "ps"}}));
  EXPECT_THAT(pod.requiredPodAntiAffinity[0].namespaces, IsEmpty());
  ASSERT_EQ(pod.preferredPodAntiAffinity.size(), 1u);
  EXPECT_EQ(pod.preferredPodAntiAffinity[0].weight, 50);
  // An empty selector matches every pod.
  EXPECT_TRUE(pod.preferredPodAntiAffinity[0].term.selector.matches({{"any", "pod"}}));
}

TEST(PodDecode, PodAffinityTermWithoutSelectorMatchesNoPods) {
  Pod pod = decodeOk(podWithSpec(R"({"affinity": {"podAffinity": {
      "requiredDuringSchedulingIgnoredDuringExecution": [{"topologyKey": "zone"}]}}})"));
  ASSERT_EQ(pod.requiredPodAffinity.size(), 1u);
  EXPECT_FALSE(pod.requiredPodAffinity[0].selector.matches({}));
  EXPECT_FALSE(pod.requiredPodAffinity[0].selector.matches({{"app", "x"}}));
}

TEST(PodDecode, PreferredPodAffinityTermErrorsNameTheTermPath) {
  FieldError e = decodeFails(podWithSpec(R"({"affinity": {"podAntiAffinity": {
      "preferredDuringSchedulingIgnoredDuringExecution": [
        {"weight": 10, "podAffinityTerm": {"topologyKey": "zone"}},
        {"weight": 10, "podAffinityTerm": {"labelSelector": {}}}]}}})"));
  EXPECT_EQ(e.field,
            "spec.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[1]"
            ".podAffinityTerm.topologyKey");
  FieldError sel = decodeFails(podWithSpec(R"({"affinity": {"podAffinity": {
      "preferredDuringSchedulingIgnoredDuringExecution": [
        {"weight": 10, "podAffinityTerm": {"topologyKey": "zone", "labelSelector": {"matchExpressions": [
          {"key": "app", "operator": "Gt", "values": ["1"]}]}}}]}}})"));
  EXPECT_EQ(sel.field,
            "spec.affinity.podAffinity.preferredDuringSchedulingIgnoredDuringExecution[0]"
            ".podAffinityTerm.labelSelector.matchExpressions[0].operator");
}

TEST(PodDecode, PodAffinityTermNeedsATopologyKey) {
  FieldError e = decodeFails(podWithSpec(R"({"affinity": {"podAffinity": {
      "requiredDuringSchedulingIgnoredDuringExecution": [{"labelSelector": {}, "topologyKey": ""}]}}})"));
  EXPECT_EQ(e.field, "spec.affinity.podAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey");
}

TEST(PodDecode, TopologySpreadDefaults) {
  Pod pod = decodeOk(podWithSpec(R"({"topologySpreadConstraints": [
      {"topologyKey": "topology.kubernetes.io/zone", "labelSelector": {"matchLabels": {"app": "web"}}}]})"));
  ASSERT_EQ(pod.topologySpread.size(), 1u);
  const auto& tsc = pod.topologySpread[0];
  EXPECT_EQ(tsc.maxSkew, 1);
  EXPECT_EQ(tsc.whenUnsatisfiable, UnsatisfiableAction::kDoNotSchedule);
  EXPECT_EQ(tsc.minDomains, std::nullopt);
  EXPECT_TRUE(tsc.selector.matches({{"app", "web"}}));
}

TEST(PodDecode, TopologySpreadScheduleAnywayAndMinDomains) {
  Pod pod = decodeOk(podWithSpec(R"({"topologySpreadConstraints": [
      {"maxSkew": 2, "topologyKey": "zone", "whenUnsatisfiable": "ScheduleAnyway", "labelSelector": {}},
      {"maxSkew": 1, "topologyKey": "kubernetes.io/hostname", "minDomains": 3, "labelSelector": {}}]})"));
  ASSERT_EQ(pod.topologySpread.size(), 2u);
  EXPECT_EQ(pod.topologySpread[0].maxSkew, 2);
  EXPECT_EQ(pod.topologySpread[0].whenUnsatisfiable, UnsatisfiableAction::kScheduleAnyway);
  EXPECT_EQ(pod.topologySpread[1].minDomains, 3);
  EXPECT_EQ(pod.topologySpread[1].topologyKey, "kubernetes.io/hostname");
}

TEST(PodDecode, TopologySpreadWithoutSelectorCountsNoPods) {
  // A null label selector matches nothing: such a constraint never restricts placement.
  Pod pod = decodeOk(podWithSpec(R"({"topologySpreadConstraints": [{"maxSkew": 1, "topologyKey": "zone"}]})"));
  ASSERT_EQ(pod.topologySpread.size(), 1u);
  EXPECT_FALSE(pod.topologySpread[0].selector.matches({}));
  EXPECT_FALSE(pod.topologySpread[0].selector.matches({{"app", "web"}}));
}

TEST(PodDecode, TopologySpreadRejectsBadValues) {
  EXPECT_EQ(decodeFails(podWithSpec(R"({"topologySpreadConstraints": [{"maxSkew": 0, "topologyKey": "z"}]})")).field,
            "spec.topologySpreadConstraints[0].maxSkew");
  EXPECT_EQ(decodeFails(podWithSpec(R"({"topologySpreadConstraints": [{"maxSkew": 1}]})")).field,
            "spec.topologySpreadConstraints[0].topologyKey");
  EXPECT_EQ(decodeFails(podWithSpec(
                R"({"topologySpreadConstraints": [{"topologyKey": "z", "whenUnsatisfiable": "Never"}]})"))
                .field,
            "spec.topologySpreadConstraints[0].whenUnsatisfiable");
  EXPECT_EQ(decodeFails(podWithSpec(R"({"topologySpreadConstraints": [{"topologyKey": "z", "minDomains": 0}]})")).field,
            "spec.topologySpreadConstraints[0].minDomains");
  EXPECT_EQ(decodeFails(podWithSpec(R"({"topologySpreadConstraints": [
                {"topologyKey": "z", "minDomains": 2, "whenUnsatisfiable": "ScheduleAnyway"}]})"))
                .field,
            "spec.topologySpreadConstraints[0].minDomains");
  EXPECT_EQ(decodeFails(podWithSpec(R"({"topologySpreadConstraints": [{"topologyKey": "z", "maxSkew": 4294967297}]})")).field,
            "spec.topologySpreadConstraints[0].maxSkew");
}

TEST(PodDecode, Tolerations) {
  Pod pod = decodeOk(podWithSpec(R"({"tolerations": [
      {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"},
      {"key": "dedicated", "value": "ml"},
      {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300},
      {"operator": "Exists"}]})"));
  ASSERT_EQ(pod.tolerations.size(), 4u);
  EXPECT_EQ(pod.tolerations[0].op, Toleration::Op::kExists);
  EXPECT_EQ(pod.tolerations[0].effect, TaintEffect::kNoSchedule);
  EXPECT_EQ(pod.tolerations[1].op, Toleration::Op::kEqual);  // the default operator
  EXPECT_EQ(pod.tolerations[1].value, "ml");
  EXPECT_EQ(pod.tolerations[1].effect, std::nullopt);
  EXPECT_EQ(pod.tolerations[2].tolerationSeconds, 300);
  EXPECT_EQ(pod.tolerations[0].tolerationSeconds, std::nullopt);
  EXPECT_TRUE(pod.tolerations[3].tolerates({"anything", "x", TaintEffect::kNoExecute}));
}

TEST(PodDecode, TolerationErrorsNameTheField) {
  EXPECT_EQ(decodeFails(podWithSpec(R"({"tolerations": [{"key": "a", "operator": "Equals"}]})")).field,
            "spec.tolerations[0].operator");
  EXPECT_EQ(decodeFails(podWithSpec(R"({"tolerations": [{}, {"key": "a", "effect": "NoRun"}]})")).field,
            "spec.tolerations[0].operator");  // empty key needs Exists
  EXPECT_EQ(decodeFails(podWithSpec(R"({"tolerations": [{"key": "a", "effect": "NoRun"}]})")).field,
            "spec.tolerations[0].effect");
  EXPECT_EQ(decodeFails(podWithSpec(R"({"tolerations": [{"key": "a", "operator": "Exists", "value": "v"}]})")).field,
            "spec.tolerations[0].value");
  EXPECT_EQ(decodeFails(podWithSpec(R"({"tolerations": [{"key": "a", "tolerationSeconds": "30"}]})")).field,
            "spec.tolerations[0].tolerationSeconds");
  EXPECT_EQ(decodeFails(podWithSpec(R"({"tolerations": {"key": "a"}})")).field, "spec.tolerations");
  EXPECT_EQ(decodeFails(podWithSpec(R"({"tolerations": ["a"]})")).field, "spec.tolerations[0]");
}

TEST(PodDecode, PriorityNodeNameAndSchedulerName) {
  Pod pod = decodeOk(podWithSpec(R"({"priority": 1000000, "nodeName": "ip-10-0-0-1", "schedulerName": "volcano"})"));
  EXPECT_EQ(pod.priority, 1000000);
  EXPECT_EQ(pod.nodeName, "ip-10-0-0-1");
  EXPECT_EQ(pod.schedulerName, "volcano");
  EXPECT_EQ(decodeOk(podWithSpec(R"({"priority": -5})")).priority, -5);
}

TEST(PodDecode, PriorityOutsideInt32IsAnError) {
  EXPECT_EQ(decodeFails(podWithSpec(R"({"priority": 2147483648})")).field, "spec.priority");
  EXPECT_EQ(decodeFails(podWithSpec(R"({"priority": 1e300})")).field, "spec.priority");
  EXPECT_EQ(decodeFails(podWithSpec(R"({"priority": 18446744073709551615})")).field, "spec.priority");
  EXPECT_EQ(decodeFails(podWithSpec(R"({"priority": 1.5})")).field, "spec.priority");
  EXPECT_EQ(decodeOk(podWithSpec(R"({"priority": 7.0})")).priority, 7);
}

TEST(PodDecode, ControllerOwnerReferenceIsTheOwner) {
  Pod pod = decodeOk(json::parse(R"({"metadata": {"name": "p", "ownerReferences": [
      {"kind": "Node", "name": "n1", "uid": "u0"},
      {"kind": "Job", "name": "train", "uid": "u1", "controller": true}]}, "spec": {"containers": [{"name": "c"}]}})"));
  EXPECT_EQ(pod.owner.kind, "Job");
  EXPECT_EQ(pod.owner.name, "train");
  EXPECT_EQ(pod.owner.uid, "u1");
}

TEST(PodDecode, NonControllerOwnerReferencesAreIgnored) {
  Pod pod = decodeOk(json::parse(R"({"metadata": {"name": "p", "ownerReferences": [
      {"kind": "ConfigMap", "name": "c", "controller": false}]}, "spec": {"containers": [{"name": "c"}]}})"));
  EXPECT_TRUE(pod.owner.empty());
  EXPECT_EQ(decodeFails(json::parse(R"({"metadata": {"name": "p", "ownerReferences": [
      {"kind": "Job", "controller": "yes"}]}, "spec": {"containers": [{"name": "c"}]}})")).field,
            "metadata.ownerReferences[0].controller");
  EXPECT_EQ(decodeFails(json::parse(R"({"metadata": {"name": "p", "ownerReferences": ["Job"]}, "spec": {"containers": [{"name": "c"}]}})")).field,
            "metadata.ownerReferences[0]");
}

TEST(PodDecode, DeletionTimestampMeansTerminating) {
  Pod pod = decodeOk(json::parse(
      R"({"metadata": {"name": "p", "deletionTimestamp": "2024-05-01T10:00:00Z"}, "spec": {"containers": [{"name": "c"}]}})"));
  EXPECT_TRUE(pod.terminating);
}

TEST(PodDecode, SchedulingGatesHoldThePod) {
  EXPECT_TRUE(decodeOk(podWithSpec(R"({"schedulingGates": [{"name": "example.com/quota"}]})")).schedulingGated);
  EXPECT_FALSE(decodeOk(podWithSpec(R"({"schedulingGates": []})")).schedulingGated);
}

TEST(PodDecode, StatusUnschedulableAndNominatedNode) {
  json object = podWithSpec("{}");
  object["status"] = json::parse(R"({"phase": "Pending", "nominatedNodeName": "n1", "conditions": [
      {"type": "Initialized", "status": "True"},
      {"type": "PodScheduled", "status": "False", "reason": "Unschedulable", "message": "0/3 nodes"}]})");
  Pod pod = decodeOk(object);
  EXPECT_TRUE(pod.unschedulable);
  EXPECT_EQ(pod.nominatedNodeName, "n1");
  EXPECT_EQ(pod.phase, "Pending");
}

TEST(PodDecode, OnlyPodScheduledFalseUnschedulableCounts) {
  for (std::string_view cond : {R"({"type": "PodScheduled", "status": "True"})",
                                R"({"type": "PodScheduled", "status": "False", "reason": "SchedulingGated"})",
                                R"({"type": "Ready", "status": "False", "reason": "Unschedulable"})"}) {
    json object = podWithSpec("{}");
    object["status"] = {{"phase", "Pending"}, {"conditions", json::array({json::parse(cond)})}};
    EXPECT_FALSE(decodeOk(object).unschedulable) << cond;
  }
}

TEST(PodDecode, MalformedConditionsAreSkippedNotThrown) {
  json object = podWithSpec("{}");
  object["status"] = json::parse(R"({"phase": "Running", "conditions": [
      "PodScheduled", 7, {"type": 1, "status": false}, {"type": "PodScheduled", "status": ["False"]},
      {"type": "PodScheduled", "status": "False", "reason": "Unschedulable"}]})");
  Pod pod = decodeOk(object);
  EXPECT_TRUE(pod.unschedulable);
  EXPECT_EQ(pod.phase, "Running");
  object["status"] = json::parse(R"({"conditions": {"type": "PodScheduled"}})");
  EXPECT_EQ(decodeFails(object).field, "status.conditions");
  object["status"] = "Running";
  EXPECT_EQ(decodeFails(object).field, "status");
}

TEST(PodDecode, GangFromPodGroupLabel) {
  Pod pod = decodeOk(json::parse(R"({"metadata": {"name": "p", "namespace": "ml",
      "labels": {"scheduling.x-k8s.io/pod-group": "bert"}}, "spec": {"containers": [{"name": "c"}]}})"));
  EXPECT_EQ(pod.gang, "ml/bert");
}

TEST(PodDecode, GangFromVolcanoAnnotation) {
  Pod pod = decodeOk(json::parse(R"({"metadata": {"name": "p",
      "annotations": {"scheduling.k8s.io/group-name": "vc-job"}}, "spec": {"containers": [{"name": "c"}]}})"));
  EXPECT_EQ(pod.gang, "default/vc-job");
}

TEST(PodDecode, GangFromKubeflowJobLabel) {
  Pod pod = decodeOk(json::parse(R"({"metadata": {"name": "p", "namespace": "ml",
      "labels": {"training.kubeflow.org/job-name": "mnist"}}, "spec": {"containers": [{"name": "c"}]}})"));
  EXPECT_EQ(pod.gang, "ml/mnist");
}

TEST(PodDecode, PodGroupLabelWinsOverOtherGangMarkers) {
  Pod pod = decodeOk(json::parse(R"({"metadata": {"name": "p",
      "labels": {"scheduling.x-k8s.io/pod-group": "pg", "training.kubeflow.org/job-name": "job"},
      "annotations": {"scheduling.k8s.io/group-name": "vc"}}, "spec": {"containers": [{"name": "c"}]}})"));
  EXPECT_EQ(pod.gang, "default/pg");
}

// --- bad input ---------------------------------------------------------------------------

TEST(PodDecode, MalformedQuantityNamesTheExactField) {
  FieldError e = decodeFails(podWithSpec(R"({"containers": [{"name": "a",
      "resources": {"requests": {"cpu": "two"}}}]})"));
  EXPECT_EQ(e.field, "spec.containers[0].resources.requests.cpu");
  EXPECT_THAT(e.message, HasSubstr("\"two\""));
  FieldError e2 = decodeFails(podWithSpec(R"({"initContainers": [{}, {"name": "b",
      "resources": {"limits": {"memory": "12Qi"}}}]})"));
  EXPECT_EQ(e2.field, "spec.initContainers[1].resources.limits.memory");
  FieldError e3 = decodeFails(podWithSpec(R"({"overhead": {"cpu": true}})"));
  EXPECT_EQ(e3.field, "spec.overhead.cpu");
}

TEST(PodDecode, NegativeQuantityIsAnError) {
  FieldError e = decodeFails(podWithSpec(R"({"containers": [{"name": "a",
      "resources": {"requests": {"memory": "-1Gi"}}}]})"));
  EXPECT_EQ(e.field, "spec.containers[0].resources.requests.memory");
  EXPECT_THAT(e.message, HasSubstr("negative"));
  EXPECT_EQ(decodeFails(podWithSpec(R"({"containers": [{"resources": {"limits": {"cpu": -1}}}]})")).field,
            "spec.containers[0].resources.limits.cpu");
}

TEST(PodDecode, UnknownOperatorNamesTheExactField) {
  FieldError e = decodeFails(podWithSpec(R"({"affinity": {"nodeAffinity": {
      "requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
        {"matchExpressions": [{"key": "zone", "operator": "In", "values": ["a"]}]},
        {"matchExpressions": [{"key": "zone", "operator": "Equals", "values": ["a"]}]}]}}}})"));
  EXPECT_EQ(e.field,
            "spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution"
            ".nodeSelectorTerms[1].matchExpressions[0].operator");
  EXPECT_THAT(e.message, HasSubstr("\"Equals\""));
}

TEST(PodDecode, RequirementWithWrongValueCountNamesTheRequirement) {
  FieldError e = decodeFails(podWithSpec(R"({"affinity": {"nodeAffinity": {
      "preferredDuringSchedulingIgnoredDuringExecution": [{"weight": 1, "preference": {
        "matchExpressions": [{"key": "gpus", "operator": "Gt", "values": ["one"]}]}}]}}})"));
  EXPECT_EQ(e.field,
            "spec.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[0]"
            ".preference.matchExpressions[0]");
  EXPECT_THAT(e.message, HasSubstr("gpus"));
}

TEST(PodDecode, LabelValueGivenAsBooleanIsAnError) {
  FieldError e = decodeFails(json::parse(R"({"metadata": {"name": "p", "labels": {"gpu": true}}, "spec": {"containers": [{"name": "c"}]}})"));
  EXPECT_EQ(e.field, "metadata.labels.gpu");
  EXPECT_THAT(e.message, HasSubstr("true"));
  EXPECT_EQ(decodeFails(podWithSpec(R"({"nodeSelector": {"gpu-count": 4}})")).field, "spec.nodeSelector.gpu-count");
  EXPECT_EQ(decodeFails(json::parse(R"({"metadata": {"name": "p", "annotations": {"a": null, "b": {}}}, "spec": {"containers": [{"name": "c"}]}})"))
                .field,
            "metadata.annotations.b");
}

TEST(PodDecode, NullLabelValueIsTheEmptyString) {
  // YAML `team:` with nothing after it; the apiserver stores "".
  Pod pod = decodeOk(json::parse(R"({"metadata": {"name": "p", "labels": {"team": null}}, "spec": {"containers": [{"name": "c"}]}})"));
  EXPECT_EQ(pod.labels, (Labels{{"team", ""}}));
}

TEST(PodDecode, WrongTypesNameTheField) {
  struct Case {
    std::string spec;
    std::string field;
  };
  for (const Case& c : std::vector<Case>{
           {R"({"containers": {"name": "a"}})", "spec.containers"},
           {R"({"containers": ["a"]})", "spec.containers[0]"},
           {R"({"containers": [{"resources": []}]})", "spec.containers[0].resources"},
           {R"({"containers": [{"resources": {"requests": "1"}}]})", "spec.containers[0].resources.requests"},
           {R"({"initContainers": [{"restartPolicy": 1}]})", "spec.initContainers[0].restartPolicy"},
           {R"({"nodeSelector": ["a"]})", "spec.nodeSelector"},
           {R"({"priority": "high"})", "spec.priority"},
           {R"({"nodeName": 5})", "spec.nodeName"},
           {R"({"schedulingGates": {}})", "spec.schedulingGates"},
           {R"({"affinity": []})", "spec.affinity"},
           {R"({"affinity": {"nodeAffinity": "x"}})", "spec.affinity.nodeAffinity"},
           {R"({"affinity": {"podAffinity": []}})", "spec.affinity.podAffinity"},
           {R"({"affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": []}}})",
            "spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution"},
           {R"({"affinity": {"nodeAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [1]}}})",
            "spec.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[0]"},
           {R"({"affinity": {"podAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
                {"topologyKey": "z", "namespaces": "ml"}]}}})",
            "spec.affinity.podAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].namespaces"},
           {R"({"topologySpreadConstraints": {}})", "spec.topologySpreadConstraints"},
       }) {
    EXPECT_EQ(decodeFails(podWithSpec(c.spec)).field, c.field) << c.spec;
  }
}

TEST(PodDecode, ErrorMessagesSurviveInvalidUtf8) {
  // YAML input can carry bytes that are not UTF-8; quoting them must not throw.
  json object = podWithSpec("{}");
  object["spec"]["priority"] = std::string("\xff\xfe high");
  FieldError e = decodeFails(object);
  EXPECT_EQ(e.field, "spec.priority");
  object = podWithSpec("{}");
  object["metadata"]["labels"] = {{"gpu", json::array({std::string("\xc3")})}};
  EXPECT_EQ(decodeFails(object).field, "metadata.labels.gpu");
}

TEST(PodDecode, MissingOrMistypedIdentityIsAnError) {
  EXPECT_EQ(decodeFails(json::array()).field, "");
  EXPECT_EQ(decodeFails(json::parse(R"({"spec": {"containers": [{"name": "c"}]}})")).field, "metadata");
  EXPECT_EQ(decodeFails(json::parse(R"({"metadata": "p", "spec": {"containers": [{"name": "c"}]}})")).field, "metadata");
  EXPECT_EQ(decodeFails(json::parse(R"({"metadata": {}, "spec": {"containers": [{"name": "c"}]}})")).field, "metadata.name");
  EXPECT_EQ(decodeFails(json::parse(R"({"metadata": {"name": 3}, "spec": {"containers": [{"name": "c"}]}})")).field, "metadata.name");
  EXPECT_EQ(decodeFails(json::parse(R"({"metadata": {"name": "p", "namespace": []}, "spec": {"containers": [{"name": "c"}]}})")).field,
            "metadata.namespace");
  EXPECT_EQ(decodeFails(json::parse(R"({"metadata": {"name": "p"}})")).field, "spec");
  EXPECT_EQ(decodeFails(json::parse(R"({"metadata": {"name": "p"}, "spec": []})")).field, "spec");
}

// --- pod templates -------------------------------------------------------------------------

TEST(PodTemplateDecode, NamesThePodAndPrefixesErrorsWithThePath) {
  json templ = json::parse(R"({"metadata": {"labels": {"app": "web"}},
      "spec": {"containers": [{"resources": {"requests": {"cpu": "1"}}}]}})");
  auto pod = decodePodTemplate(templ, "spec.template", "ml", "web-0");
  ASSERT_TRUE(pod.has_value());
  EXPECT_EQ(pod->key(), "ml/web-0");
  EXPECT_EQ(pod->labels.at("app"), "web");
  EXPECT_EQ(pod->phase, "Pending");
  EXPECT_TRUE(pod->unschedulable);  // imagined pods have nowhere to go yet
  EXPECT_EQ(pod->requests, list({{"cpu", "1"}}));

  templ["spec"]["containers"][0]["resources"]["requests"]["cpu"] = "1x";
  auto bad = decodePodTemplate(templ, "spec.jobTemplate.spec.template", "ml", "j-0");
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().field, "spec.jobTemplate.spec.template.spec.containers[0].resources.requests.cpu");
}

TEST(PodTemplateDecode, NeedsASpec) {
  auto pod = decodePodTemplate(json::parse(R"({"metadata": {}})"), "spec.template", "default", "x-0");
  ASSERT_FALSE(pod.has_value());
  EXPECT_EQ(pod.error().field, "spec.template.spec");
  auto notObject = decodePodTemplate(json("x"), "spec.template", "default", "x-0");
  ASSERT_FALSE(notObject.has_value());
  EXPECT_EQ(notObject.error().field, "spec.template");
}

TEST(PodTemplateDecode, GangLabelUsesTheGivenNamespace) {
  auto pod = decodePodTemplate(
      json::parse(R"({"metadata": {"labels": {"scheduling.x-k8s.io/pod-group": "g"}}, "spec": {"containers": [{"name": "c"}]}})"),
      "spec.template", "team-a", "x-0");
  ASSERT_TRUE(pod.has_value());
  EXPECT_EQ(pod->gang, "team-a/g");
}

}  // namespace
}  // namespace gantry::api
