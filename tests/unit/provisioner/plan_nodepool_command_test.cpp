// `gantry plan` with NodePool files, through the real binary: the bundled examples work
// together, a pool without a capacity type plans on-demand, invalid or repeated pools are
// errors naming the field, custom requirement keys are warnings, and unschedulable reasons
// name the NodePool requirement, taint or pod selector at fault.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

#include <nlohmann/json.hpp>

#include "tests/support/run_command.h"
#include "tests/unit/provisioner/plan_command_support.h"

namespace gantry {
namespace {

using gantry::testing::CommandResult;
using gantry::testing::gantryPlan;
using nlohmann::json;
using ::testing::HasSubstr;

std::string source(const std::string& rel) { return std::string(GANTRY_SOURCE_DIR) + "/" + rel; }
std::string data(const std::string& name) {
  return source("tests/unit/provisioner/testdata/nodepools/" + name);
}

json planJson(const CommandResult& run) {
  json plan = json::parse(run.out, nullptr, false);
  EXPECT_FALSE(plan.is_discarded()) << run.out << run.err;
  return plan;
}

// Pod key -> unschedulable reason.
std::map<std::string, std::string> reasons(const json& plan) {
  std::map<std::string, std::string> out;
  for (const json& u : plan["unschedulable"]) out[u["pod"]] = u["reason"];
  return out;
}

TEST(PlanNodePools, EveryExamplePlansCompletelyOnTheExampleNodePools) {
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(source("examples"))) {
    if (entry.path().extension() != ".yaml") continue;
    ++files;
    const std::string file = entry.path().string();
    CommandResult run = gantryPlan("--pods " + file + " --nodepools " + source("deploy/examples") +
                                   " -o json");
    EXPECT_EQ(run.exitCode, 0) << file << ": " << run.err;
    json plan = planJson(run);
    EXPECT_TRUE(plan["unschedulable"].empty()) << file << ": " << plan["unschedulable"].dump();
    EXPECT_TRUE(plan["errors"].empty()) << file << ": " << plan["errors"].dump();
    size_t placed = 0;
    for (const json& claim : plan["nodeclaims"]) placed += claim["pods"].size();
    EXPECT_GT(placed, 0u) << file;
    EXPECT_EQ(run.err, "") << file << ": the examples draw no warnings";
  }
  EXPECT_GT(files, 0);
}

TEST(PlanNodePools, KatibTrialsLandOnTheGpuPoolTheyTolerate) {
  CommandResult run = gantryPlan("--pods " + source("examples/katib-gpu-experiment.yaml") +
                                 " --nodepools " + source("deploy/examples") + " -o json");
  ASSERT_EQ(run.exitCode, 0) << run.err;
  const json plan = planJson(run);
  int trials = 0;
  for (const json& claim : plan["nodeclaims"]) {
    if (claim["pods"].dump().find("resnet-lr-search") == std::string::npos) continue;
    ++trials;
    EXPECT_EQ(claim["nodepool"], "gpu");
  }
  EXPECT_EQ(trials, 3);
}

TEST(PlanNodePools, APoolWithoutACapacityTypePlansOnDemandOnly) {
  CommandResult run = gantryPlan("--pods " + data("pods.yaml") + " --nodepools " +
                                 data("no-capacity-type.yaml") + " -o json");
  json plan = planJson(run);
  bool plainPlaced = false;
  for (const json& claim : plan["nodeclaims"]) {
    EXPECT_EQ(claim["capacity_type"], "on-demand") << claim.dump();
    plainPlaced |= claim["pods"].dump().find("np/plain") != std::string::npos;
  }
  EXPECT_TRUE(plainPlaced);
  // Spot was not asked for, so a pod that insists on spot fits neither pool; the reason
  // names the pool requirement it conflicts with.
  EXPECT_THAT(reasons(plan)["np/wants-spot"],
              HasSubstr("the pod's node selector karpenter.sh/capacity-type In [spot] conflicts "
                        "with NodePool plain's requirement gantry.dev/capacity-type In [on-demand]"));
}

TEST(PlanNodePools, ReasonsNameTheTaintAndTheCaseSensitiveSelector) {
  CommandResult run = gantryPlan("--pods " + data("pods.yaml") + " --nodepools " +
                                 data("no-capacity-type.yaml") + " -o json");
  auto why = reasons(planJson(run));
  EXPECT_THAT(why["np/gpu-untolerating"],
              HasSubstr("NodePool gpu has taint nvidia.com/gpu=true:NoSchedule that the pod does "
                        "not tolerate"));
  EXPECT_THAT(why["np/upper-case-gpu"],
              HasSubstr("no instance type in NodePool gpu matches the pod's node selector "
                        "gantry.dev/instance-gpu-name In [A10G]"));
}

TEST(PlanNodePools, AReasonNamesThePoolRequirementThatMatchesNoType) {
  CommandResult run = gantryPlan("--pods " + data("pods.yaml") + " --nodepools " +
                                 data("wrong-case.yaml") + " -o json");
  ASSERT_EQ(run.exitCode, 0) << run.err;
  auto why = reasons(planJson(run));
  ASSERT_EQ(why.size(), 4u);
  for (const auto& [pod, reason] : why) {
    EXPECT_THAT(reason, HasSubstr("NodePool a10g's requirement gantry.dev/instance-gpu-name In "
                                  "[A10G] matches no instance type"))
        << pod;
  }
}

TEST(PlanNodePools, CustomRequirementKeysAreWarnedAboutOnStandardError) {
  CommandResult run = gantryPlan("--pods " + data("pods.yaml") + " --nodepools " +
                                 data("no-capacity-type.yaml") + " -o json");
  EXPECT_EQ(run.exitCode, 0) << run.err;
  EXPECT_THAT(run.err, HasSubstr("gantry plan: warning: NodePool plain: "
                                 "spec.template.spec.requirements[1].key: label \"team\""));
  EXPECT_THAT(run.err, HasSubstr("team=ml"));
}

TEST(PlanNodePools, ARepeatedNameIsAnErrorAndTheFirstDefinitionIsPlanned) {
  CommandResult run = gantryPlan("--pods " + data("pods.yaml") + " --nodepools " +
                                 data("duplicate-names.yaml") + " -o json");
  EXPECT_EQ(run.exitCode, 2);
  json plan = planJson(run);
  ASSERT_EQ(plan["errors"].size(), 1u);
  EXPECT_EQ(plan["errors"][0]["field"], "metadata.name");
  EXPECT_THAT(plan["errors"][0]["message"].get<std::string>(),
              HasSubstr("duplicate NodePool name \"pool\""));
  ASSERT_FALSE(plan["nodeclaims"].empty());
  for (const json& claim : plan["nodeclaims"]) EXPECT_EQ(claim["capacity_type"], "on-demand");

  // The same across files: the pods file may carry a pool too.
  CommandResult twice = gantryPlan("--pods " + data("no-capacity-type.yaml") + " --pods " +
                                   data("pods.yaml") + " --nodepools " +
                                   data("no-capacity-type.yaml") + " -o json");
  EXPECT_EQ(twice.exitCode, 2);
  EXPECT_EQ(planJson(twice)["errors"].size(), 2u) << "plain and gpu, each defined twice";
}

TEST(PlanNodePools, AFileWhoseOnlyPoolIsInvalidNamesTheFieldNotNoPoolFound) {
  CommandResult run = gantryPlan("--pods " + data("pods.yaml") + " --nodepools " +
                                 data("only-invalid.yaml"));
  EXPECT_EQ(run.exitCode, 2);
  EXPECT_TRUE(run.out.empty());
  EXPECT_THAT(run.err, HasSubstr("no valid NodePool in " + data("only-invalid.yaml")));
  EXPECT_THAT(run.err, HasSubstr("spec.template.spec.requirements[0].key"));
  EXPECT_THAT(run.err, HasSubstr("gantry.dev/instance-gpu-nam"));
  EXPECT_THAT(run.err, ::testing::Not(HasSubstr("no NodePool found")));
}

}  // namespace
}  // namespace gantry
