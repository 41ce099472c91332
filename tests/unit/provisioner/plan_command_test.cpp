// `gantry plan` as users and scripts see it: the real binary, its exit codes, and the
// JSON contract (keys, names of generated pods, errors naming file, object and field).
#include <gtest/gtest.h>

#include "tests/support/run_command.h"
#include "tests/unit/provisioner/plan_command_support.h"

#include <array>
#include <cstdlib>
#include <cstdio>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

namespace gantry {
namespace {

using gantry::testing::CommandResult;
using gantry::testing::planTestdata;
using gantry::testing::gantryPlan;

TEST(PlanCommand, BundledKatibExamplePlansThreeCheapestGpuNodes) {
  CommandResult run = gantryPlan("--pods " + std::string(GANTRY_SOURCE_DIR) +
                       "/examples/katib-gpu-experiment.yaml -o json");
  ASSERT_EQ(run.exitCode, 0) << run.err;
  auto plan = nlohmann::json::parse(run.out);  // exactly one JSON object
  for (const char* key : {"nodeclaims", "unschedulable", "errors", "total_price_per_hour"}) {
    EXPECT_TRUE(plan.contains(key)) << key;
  }
  int gpuNodes = 0;
  for (const auto& claim : plan["nodeclaims"]) {
    for (const char* key : {"nodepool", "instance_type", "instance_type_options", "capacity_type",
                            "zones", "price_per_hour", "pods"}) {
      EXPECT_TRUE(claim.contains(key)) << key;
    }
    if (claim["instance_type"] == "g4dn.xlarge") {
      ++gpuNodes;
      EXPECT_EQ(claim["nodepool"], "default");
      EXPECT_EQ(claim["capacity_type"], "on-demand");
      EXPECT_DOUBLE_EQ(claim["price_per_hour"].get<double>(), 0.526);
      EXPECT_EQ(claim["pods"].size(), 1u);
      EXPECT_EQ(claim["instance_type_options"][0], "g4dn.xlarge");
    }
  }
  EXPECT_EQ(gpuNodes, 3);
  // Trials are named <experiment>-<index> in the experiment's namespace.
  std::string all = plan["nodeclaims"].dump();
  for (const char* pod : {"ml-team/resnet-lr-search-0", "ml-team/resnet-lr-search-1",
                          "ml-team/resnet-lr-search-2"}) {
    EXPECT_NE(all.find(pod), std::string::npos) << pod;
  }
  EXPECT_TRUE(plan["errors"].empty());
}

TEST(PlanCommand, UndecodableObjectIsReportedAndTheRestPlannedWithExitTwo) {
  CommandResult run = gantryPlan("--pods " + planTestdata("bad-quantity.yaml") + " -o json");
  EXPECT_EQ(run.exitCode, 2);
  auto plan = nlohmann::json::parse(run.out);
  ASSERT_EQ(plan["errors"].size(), 1u);
  const auto& e = plan["errors"][0];
  EXPECT_EQ(e["source"], planTestdata("bad-quantity.yaml"));
  EXPECT_EQ(e["object"], "Pod ml/broken");
  EXPECT_EQ(e["field"], "spec.containers[0].resources.requests.cpu");
  EXPECT_NE(e["message"].get<std::string>().find("12Q"), std::string::npos);
  // The Job still gets planned.
  std::string claims = plan["nodeclaims"].dump();
  EXPECT_NE(claims.find("ml/ok-job-0"), std::string::npos);
  EXPECT_NE(claims.find("ml/ok-job-1"), std::string::npos);
}

TEST(PlanCommand, UnparsableFileIsAClearErrorWithExitTwoAndTheRestPlanned) {
  CommandResult run = gantryPlan("--pods " + planTestdata("unparsable.yaml") + " --pods " + planTestdata("gpu-pods.yaml"));
  EXPECT_EQ(run.exitCode, 2);
  EXPECT_NE(run.out.find(planTestdata("unparsable.yaml") + ": line"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("new node"), std::string::npos) << run.out;
}

TEST(PlanCommand, MissingFileAndBadFlagsExitTwo) {
  EXPECT_EQ(gantryPlan("--pods /nonexistent/pods.yaml").exitCode, 2);
  EXPECT_EQ(gantryPlan("--pods x.yaml --frobnicate").exitCode, 2);
  ::unsetenv("KUBECONFIG");  // with it set, a bare `gantry plan` reads that cluster
  EXPECT_EQ(gantryPlan("").exitCode, 2);
  EXPECT_EQ(gantryPlan("--pods " + planTestdata("gpu-pods.yaml") + " -o yaml").exitCode, 2);
  EXPECT_EQ(gantryPlan("--pods " + planTestdata("gpu-pods.yaml") + " --region mars-1").exitCode, 2);
}

TEST(PlanCommand, NodePoolLimitsTaintsAndZonePinFromFiles) {
  CommandResult run = gantryPlan("--pods " + planTestdata("gpu-pods.yaml") + " --nodepools " + planTestdata("gpu-pools.yaml") +
                       " -o json");
  ASSERT_EQ(run.exitCode, 0) << run.err;
  auto plan = nlohmann::json::parse(run.out);
  ASSERT_EQ(plan["nodeclaims"].size(), 2u) << "the GPU limit of 2 allows two one-GPU nodes";
  for (const auto& claim : plan["nodeclaims"]) {
    EXPECT_EQ(claim["nodepool"], "gpu");
    EXPECT_EQ(claim["zones"], nlohmann::json::array({"us-east-1c"}));
  }
  ASSERT_EQ(plan["unschedulable"].size(), 1u);
  EXPECT_NE(plan["unschedulable"][0]["reason"].get<std::string>().find("limit nvidia.com/gpu=2"),
            std::string::npos);
}

TEST(PlanCommand, TableOutputEndsWithASummaryLine) {
  CommandResult run = gantryPlan("--pods " + planTestdata("gpu-pods.yaml") + " --nodepools " + planTestdata("gpu-pools.yaml"));
  ASSERT_EQ(run.exitCode, 0) << run.err;
  EXPECT_NE(run.out.find("INSTANCE-TYPE"), std::string::npos);
  EXPECT_NE(run.out.find("2 new nodes for 2 pods, 0 on existing nodes, 1 unschedulable: total $"),
            std::string::npos)
      << run.out;
}

}  // namespace
}  // namespace gantry
