// `gantry plan` on hostile manifests, through the real binary: text that is not UTF-8 or
// that holds terminal escapes, unknown and missing kinds, pods the apiserver would refuse,
// and duplicate keys. Every case is reported in errors (exit 2) while the rest is planned,
// and `-o json` stays one valid JSON document.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/unit/provisioner/plan_hostile_input_command_test.h"

namespace gantry {
namespace {

using gantry::testing::CommandResult;
using gantry::testing::gantryPlan;
using gantry::testing::ManifestDir;
using gantry::testing::planJson;
using gantry::testing::podYaml;
using json = nlohmann::json;

size_t plannedPods(const json& plan) {
  size_t n = 0;
  for (const auto& claim : plan["nodeclaims"]) n += claim["pods"].size();
  return n;
}

TEST(PlanHostileInput, NonUtf8TextIsAFieldErrorAndJsonStaysValid) {
  ManifestDir dir;
  const std::string file = dir.write(
      "pods.yaml", podYaml("ok") + "---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: \"p\xff\"\n"
                               "  labels: {team: \"caf\xc3\"}\nspec: {containers: [{name: c}]}\n");
  json plan = planJson("--pods " + file, 2);
  EXPECT_EQ(plannedPods(plan), 1u);
  ASSERT_EQ(plan["errors"].size(), 2u);
  EXPECT_EQ(plan["errors"][0]["field"], "metadata.name");
  EXPECT_EQ(plan["errors"][1]["field"], "metadata.labels.team");
  EXPECT_NE(plan["errors"][0]["message"].get<std::string>().find("UTF-8"), std::string::npos);
  // The object's own (bad) name is shown with the bad byte replaced, not dropped.
  EXPECT_EQ(plan["errors"][0]["object"], "Pod default/p\xef\xbf\xbd");

  CommandResult table = gantryPlan("--pods " + file);
  EXPECT_EQ(table.exitCode, 2) << table.err;
  EXPECT_NE(table.out.find("Pod default/p\\xff metadata.name"), std::string::npos) << table.out;
}

TEST(PlanHostileInput, ControlCharactersNeverReachTheTerminalRaw) {
  ManifestDir dir;
  // YAML double quotes turn \e into ESC: a pod name that would recolour the terminal, and
  // an unknown kind whose name clears the screen.
  const std::string file = dir.write(
      "pods.yaml", "apiVersion: v1\nkind: Pod\nmetadata: {name: \"p\\e[31mred\\nrow\", namespace: ml}\n"
                   "spec: {containers: [{name: c, resources: {requests: {cpu: \"1\"}}}]}\n---\n"
                   "kind: \"Evil\\e[2J\"\nmetadata: {name: x}\n");
  CommandResult run = gantryPlan("--pods " + file);
  EXPECT_EQ(run.exitCode, 2) << run.err;
  for (char c : run.out) {
    const auto b = static_cast<unsigned char>(c);
    EXPECT_FALSE((b < 0x20 && c != '\n') || b == 0x7f) << "raw control byte " << int(b) << " in:\n" << run.out;
  }
  EXPECT_NE(run.out.find("ml/p\\e[31mred\\nrow"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("Evil\\e[2J"), std::string::npos) << run.out;
  // JSON escapes them itself; the names arrive intact.
  json plan = planJson("--pods " + file, 2);
  EXPECT_EQ(plan["nodeclaims"][0]["pods"][0], "ml/p\x1b[31mred\nrow");
}

TEST(PlanHostileInput, StandardErrorEscapesFileNamesToo) {
  ManifestDir dir;
  const std::string pods = dir.write("pods.yaml", podYaml("a"));
  const std::string pools = dir.write("pools\x1b[2J.yaml", "kind: ConfigMap\nmetadata: {name: c}\n");
  CommandResult run = gantryPlan("--pods " + pods + " --nodepools '" + pools + "'");
  EXPECT_EQ(run.exitCode, 2);
  EXPECT_EQ(run.err.find('\x1b'), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("no NodePool found in " + dir.path("pools\\e[2J.yaml")), std::string::npos) << run.err;
}

TEST(PlanHostileInput, UnknownKindsAreErrorsUnlessIgnoredKnownOnesAreSilent) {
  ManifestDir dir;
  const std::string file = dir.write(
      "chart.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n---\n"
                    "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\n---\n"
                    "apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {name: r}\n---\n" +
                        podYaml("p"));
  json quiet = planJson("--pods " + file, 0);
  EXPECT_TRUE(quiet["errors"].empty());
  EXPECT_EQ(plannedPods(quiet), 1u);

  const std::string custom = dir.write(
      "custom.yaml", "apiVersion: ray.io/v1\nkind: RayCluster\nmetadata: {name: ray, namespace: ml}\n---\n" + podYaml("q"));
  json plan = planJson("--pods " + custom, 2);
  EXPECT_EQ(plannedPods(plan), 1u);
  ASSERT_EQ(plan["errors"].size(), 1u);
  EXPECT_EQ(plan["errors"][0]["object"], "RayCluster ml/ray");
  EXPECT_EQ(plan["errors"][0]["field"], "kind");

  json ignored = planJson("--pods " + custom + " --ignore-unknown-kinds", 0);
  EXPECT_TRUE(ignored["errors"].empty());
  EXPECT_EQ(plannedPods(ignored), 1u);

  // A document without a kind is never "planned as 0 pods" in silence.
  const std::string kindless = dir.write("kindless.yaml", "metadata: {name: m}\nspec: {replicas: 3}\n");
  json missing = planJson("--pods " + kindless + " --ignore-unknown-kinds", 2);
  ASSERT_EQ(missing["errors"].size(), 1u);
  EXPECT_EQ(missing["errors"][0]["field"], "kind");
}

TEST(PlanHostileInput, HelpDocumentsIgnoreUnknownKindsAndExitCodes) {
  CommandResult help = gantryPlan("-h");
  EXPECT_EQ(help.exitCode, 0);
  EXPECT_NE(help.out.find("--ignore-unknown-kinds"), std::string::npos) << help.out;
  EXPECT_NE(help.out.find("unknown kind"), std::string::npos) << help.out;
}

TEST(PlanHostileInput, PodsTheApiserverWouldRefuseAreFieldErrors) {
  ManifestDir dir;
  auto bad = [](const std::string& name, const std::string& resources) {
    return "---\napiVersion: v1\nkind: Pod\nmetadata: {name: " + name + ", namespace: ml}\n"
           "spec: {containers: [{name: c, resources: " + resources + "}]}\n";
  };
  const std::string file = dir.write(
      "pods.yaml",
      podYaml("fine") + "---\napiVersion: v1\nkind: Pod\nmetadata: {name: empty, namespace: ml}\nspec: {containers: []}\n" +
          bad("half-gpu", "{limits: {nvidia.com/gpu: 0.5}}") +
          bad("gpu-mismatch", "{requests: {nvidia.com/gpu: 1}, limits: {nvidia.com/gpu: 2}}") +
          bad("gpu-no-limit", "{requests: {nvidia.com/gpu: 1}}") +
          bad("cpu-over-limit", "{requests: {cpu: 4}, limits: {cpu: 2}}") +
          bad("huge", "{requests: {cpu: \"1e17\"}}"));
  json plan = planJson("--pods " + file, 2);
  EXPECT_EQ(plannedPods(plan), 1u);
  EXPECT_TRUE(plan["unschedulable"].empty()) << plan["unschedulable"].dump();
  const std::vector<std::pair<std::string, std::string>> want = {
      {"Pod ml/empty", "spec.containers"},
      {"Pod ml/half-gpu", "spec.containers[0].resources.limits.nvidia.com/gpu"},
      {"Pod ml/gpu-mismatch", "spec.containers[0].resources.requests.nvidia.com/gpu"},
      {"Pod ml/gpu-no-limit", "spec.containers[0].resources.limits.nvidia.com/gpu"},
      {"Pod ml/cpu-over-limit", "spec.containers[0].resources.requests.cpu"},
      {"Pod ml/huge", "spec.containers[0].resources.requests.cpu"},
  };
  ASSERT_EQ(plan["errors"].size(), want.size()) << plan["errors"].dump(2);
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(plan["errors"][i]["object"], want[i].first);
    EXPECT_EQ(plan["errors"][i]["field"], want[i].second);
  }
  // The saturated value is not printed anywhere (the message quotes the limit in words).
  EXPECT_EQ(plan.dump().find("9223372036854775807"), std::string::npos);
}

TEST(PlanHostileInput, DuplicateKeysAreErrorsInYamlAndJson) {
  ManifestDir dir;
  const std::string yaml = dir.write(
      "dup.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: ml}\n"
                  "spec:\n  replicas: 1\n  replicas: 50\n  template: {spec: {containers: [{name: c}]}}\n");
  json plan = planJson("--pods " + yaml, 2);
  EXPECT_EQ(plannedPods(plan), 0u);
  ASSERT_EQ(plan["errors"].size(), 1u);
  EXPECT_EQ(plan["errors"][0]["source"], yaml);
  EXPECT_EQ(plan["errors"][0]["object"], "Deployment ml/web");
  EXPECT_EQ(plan["errors"][0]["field"], "spec.replicas");

  const std::string js = dir.write(
      "dup.json", R"({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "ml"},
                      "spec": {"containers": [{"name": "c", "resources": {"requests": {"cpu": "1", "cpu": "64"}}}]}})");
  json fromJson = planJson("--pods " + js, 2);
  ASSERT_EQ(fromJson["errors"].size(), 1u);
  EXPECT_EQ(fromJson["errors"][0]["field"], "spec.containers[0].resources.requests.cpu");
}

}  // namespace
}  // namespace gantry
