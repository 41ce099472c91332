// `gantry plan` on inputs whose structure used to mislead it, through the real binary:
// `kubectl get ... -o yaml` dumps (each pod listed up to three times), ConfigMap volume
// trees and symlinked directories, objects given twice, a file that does not parse among
// others, and an error repeated many times.
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

std::vector<std::string> plannedPods(const json& plan) {
  std::vector<std::string> pods;
  for (const auto& claim : plan["nodeclaims"]) {
    for (const auto& p : claim["pods"]) pods.push_back(p.get<std::string>());
  }
  std::sort(pods.begin(), pods.end());
  return pods;
}

// `kubectl get deploy,rs,pods -n ml -o yaml` for a Deployment of 2 replicas.
constexpr std::string_view kDump = R"(apiVersion: v1
kind: List
items:
- apiVersion: apps/v1
  kind: Deployment
  metadata: {name: web, namespace: ml, uid: 0b1c-d}
  spec:
    replicas: 2
    template: {spec: {containers: [{name: c, resources: {requests: {cpu: "1"}}}]}}
- apiVersion: apps/v1
  kind: ReplicaSet
  metadata:
    name: web-7f9
    namespace: ml
    uid: 0b1c-r
    ownerReferences: [{apiVersion: apps/v1, kind: Deployment, name: web, uid: 0b1c-d, controller: true}]
  spec:
    replicas: 2
    template: {spec: {containers: [{name: c, resources: {requests: {cpu: "1"}}}]}}
- apiVersion: v1
  kind: Pod
  metadata:
    name: web-7f9-x1
    namespace: ml
    ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: web-7f9, uid: 0b1c-r, controller: true}]
  spec: {containers: [{name: c, resources: {requests: {cpu: "1"}}}]}
- apiVersion: v1
  kind: Pod
  metadata:
    name: web-7f9-x2
    namespace: ml
    ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: web-7f9, uid: 0b1c-r, controller: true}]
  spec: {containers: [{name: c, resources: {requests: {cpu: "1"}}}]}
)";

TEST(PlanInputStructure, KubectlDumpCountsEachPodOnce) {
  ManifestDir dir;
  json plan = planJson("--pods " + dir.write("dump.yaml", kDump), 0);
  EXPECT_EQ(plannedPods(plan), (std::vector<std::string>{"ml/web-0", "ml/web-1"}));
  EXPECT_TRUE(plan["errors"].empty()) << plan["errors"].dump();
}

TEST(PlanInputStructure, ConfigMapVolumeTreeIsReadOncePerFile) {
  ManifestDir dir;
  dir.write("cm/..2026_12_06_01_00_00.1/a.yaml", podYaml("a"));
  dir.write("cm/..2026_12_06_01_00_00.1/b.yaml", podYaml("b"));
  dir.link("cm/..data", "..2026_12_06_01_00_00.1");
  dir.link("cm/a.yaml", "..data/a.yaml");
  dir.link("cm/b.yaml", "..data/b.yaml");
  json plan = planJson("--pods " + dir.path("cm"), 0);
  EXPECT_EQ(plannedPods(plan), (std::vector<std::string>{"ml/a", "ml/b"}));
  EXPECT_TRUE(plan["errors"].empty()) << plan["errors"].dump();
}

TEST(PlanInputStructure, SymlinkedDirectoriesAreFollowedAndLoopsEnd) {
  ManifestDir dir;
  dir.write("common/team.yaml", podYaml("team"));
  dir.write("tree/own.yaml", podYaml("own"));
  dir.link("tree/common", "../common");
  dir.link("tree/loop", "..");  // back up to the parent, which holds tree again
  CommandResult run = gantryPlan("--pods " + dir.path("tree") + " -o json");
  ASSERT_EQ(run.exitCode, 0) << run.err;
  EXPECT_LT(run.took.count(), 20000);
  json plan = json::parse(run.out);
  EXPECT_EQ(plannedPods(plan), (std::vector<std::string>{"ml/own", "ml/team"}));
  // The same directory named twice, directly and through the link, is read once.
  json twice = planJson("--pods " + dir.path("tree") + " --pods " + dir.path("common"), 0);
  EXPECT_EQ(plannedPods(twice), (std::vector<std::string>{"ml/own", "ml/team"}));
}

TEST(PlanInputStructure, ObjectGivenTwiceIsCountedOnceWithAnErrorNamingBothPlaces) {
  ManifestDir dir;
  const std::string a = dir.write("a.yaml", podYaml("p"));
  const std::string b = dir.write("b.yaml", podYaml("p"));
  json plan = planJson("--pods " + dir.path(), 2);
  EXPECT_EQ(plannedPods(plan), (std::vector<std::string>{"ml/p"}));
  ASSERT_EQ(plan["errors"].size(), 1u);
  EXPECT_EQ(plan["errors"][0]["source"], b);
  EXPECT_EQ(plan["errors"][0]["object"], "Pod ml/p");
  EXPECT_NE(plan["errors"][0]["message"].get<std::string>().find(a + ", document 1"), std::string::npos);
}

TEST(PlanInputStructure, UnparsableFileIsAnErrorAndTheRestIsPlanned) {
  ManifestDir dir;
  dir.write("a.yaml", podYaml("a"));
  const std::string broken = dir.write("b.yaml", "kind: Pod\nmetadata: {name: [oops\n");
  dir.write("c.json", R"({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "c", "namespace": "ml"},
                         "spec": {"containers": [{"name": "c"}]}})");
  json plan = planJson("--pods " + dir.path(), 2);
  EXPECT_EQ(plannedPods(plan), (std::vector<std::string>{"ml/a", "ml/c"}));
  ASSERT_EQ(plan["errors"].size(), 1u);
  EXPECT_EQ(plan["errors"][0]["source"], broken);
  EXPECT_EQ(plan["errors"][0]["object"], "");
  EXPECT_NE(plan["errors"][0]["message"].get<std::string>().find("line "), std::string::npos);
  // The table says the same, on standard output with the plan.
  CommandResult table = gantryPlan("--pods " + dir.path());
  EXPECT_EQ(table.exitCode, 2);
  EXPECT_NE(table.out.find(broken + ": "), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("for 2 pods"), std::string::npos) << table.out;
}

TEST(PlanInputStructure, UnparsableNodePoolFileIsNamedWhenNoPoolIsLeft) {
  ManifestDir dir;
  const std::string pods = dir.write("pods.yaml", podYaml("a"));
  const std::string pools = dir.write("pools.yaml", "kind: NodePool\nmetadata: {name: [oops\n");
  CommandResult run = gantryPlan("--pods " + pods + " --nodepools " + pools);
  EXPECT_EQ(run.exitCode, 2);
  EXPECT_NE(run.err.find("no NodePool found in " + pools + " (" + pools + ": line "), std::string::npos)
      << run.err;
}

TEST(PlanInputStructure, RepeatedErrorsCollapseIntoOneWithACount) {
  ManifestDir dir;
  std::string text;
  const std::string broken = "apiVersion: v1\nkind: Pod\nmetadata: {name: b, namespace: ml}\nspec: {containers: []}\n";
  for (int i = 0; i < 2000; ++i) text += "---\n" + broken;
  for (int i = 0; i < 3; ++i) text += "---\nkind: Widget\nmetadata: {namespace: ml}\n";
  json plan = planJson("--pods " + dir.write("many.yaml", text), 2);
  ASSERT_EQ(plan["errors"].size(), 5u) << plan["errors"].dump(2);
  EXPECT_EQ(plan["errors"][0]["field"], "spec.containers");
  EXPECT_FALSE(plan["errors"][0].contains("count"));  // once: the shape of old entries
  EXPECT_EQ(plan["errors"][1]["object"], "Pod ml/b");
  EXPECT_EQ(plan["errors"][1]["count"], 1999);  // the repeats, counted once
  // Unnamed objects differ by document number, so they stay apart, in file order.
  EXPECT_EQ(plan["errors"][2]["object"], "document 2001 (Widget)");
  EXPECT_EQ(plan["errors"][4]["object"], "document 2003 (Widget)");
  CommandResult table = gantryPlan("--pods " + dir.path("many.yaml"));
  EXPECT_NE(table.out.find("(1999 times)"), std::string::npos) << table.out;
}

}  // namespace
}  // namespace gantry
