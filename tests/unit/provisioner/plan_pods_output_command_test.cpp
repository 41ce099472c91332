// `gantry plan -o pods`: the pods a workload expands to, as a v1 PodList, through the real
// binary. bench/karpenter gives them to Karpenter's scheduler, so they must be exactly the pods
// `-o json` plans.
#include <gtest/gtest.h>

#include "tests/support/run_command.h"
#include "tests/unit/provisioner/plan_command_support.h"

#include <set>
#include <string>

#include <nlohmann/json.hpp>

namespace gantry {
namespace {

using gantry::testing::CommandResult;
using gantry::testing::planTestdata;
using json = nlohmann::json;

std::string katib() { return std::string(GANTRY_SOURCE_DIR) + "/examples/katib-gpu-experiment.yaml"; }

CommandResult plan(const std::string& args) {
  return gantry::testing::runCommand(std::string(GANTRY_BINARY) + " plan " + args);
}

TEST(PlanPodsOutput, ListsExactlyThePodsThePlanPlaces) {
  CommandResult pods = plan("--pods " + katib() + " -o pods");
  CommandResult planned = plan("--pods " + katib() + " -o json");
  ASSERT_EQ(pods.exitCode, 0) << pods.err;
  ASSERT_EQ(planned.exitCode, 0) << planned.err;
  json list = json::parse(pods.out);
  EXPECT_EQ(list["apiVersion"], "v1");
  EXPECT_EQ(list["kind"], "PodList");
  std::set<std::string> listed;
  for (const json& pod : list["items"]) {
    listed.insert(pod["metadata"]["namespace"].get<std::string>() + "/" +
                  pod["metadata"]["name"].get<std::string>());
  }
  std::set<std::string> placed;
  const json planJson = json::parse(planned.out);
  for (const json& claim : planJson["nodeclaims"]) {
    for (const json& pod : claim["pods"]) placed.insert(pod.get<std::string>());
  }
  EXPECT_EQ(listed.size(), list["items"].size()) << "a pod listed twice";
  EXPECT_EQ(listed, placed);
  // The Katib trials keep their GPU (as a limit too, which the apiserver requires) and owner.
  bool sawTrial = false;
  for (const json& pod : list["items"]) {
    if (pod["metadata"]["name"] != "resnet-lr-search-0") continue;
    sawTrial = true;
    EXPECT_EQ(pod["spec"]["containers"][0]["resources"]["limits"]["nvidia.com/gpu"], "1");
    EXPECT_EQ(pod["metadata"]["ownerReferences"][0]["kind"], "Experiment");
  }
  EXPECT_TRUE(sawTrial) << pods.out;
}

TEST(PlanPodsOutput, ErrorsGoToStderrAndStdoutStaysAPodList) {
  CommandResult run = plan("--pods " + planTestdata("bad-quantity.yaml") + " -o pods");
  EXPECT_EQ(run.exitCode, 2);
  EXPECT_EQ(json::parse(run.out)["kind"], "PodList");
  EXPECT_NE(run.err.find("Pod ml/broken"), std::string::npos) << run.err;
}

TEST(PlanPodsOutput, NeedsManifestsAndIsInTheHelp) {
  CommandResult live = plan("--kubeconfig /nonexistent -o pods");
  EXPECT_EQ(live.exitCode, 2);
  EXPECT_NE(live.err.find("-o pods needs --pods"), std::string::npos) << live.err;
  CommandResult help = plan("--help");
  EXPECT_EQ(help.exitCode, 0);
  EXPECT_NE(help.out.find("pods: the expanded pods as a v1 PodList"), std::string::npos) << help.out;
  CommandResult bad = plan("--pods " + katib() + " -o yaml");
  EXPECT_EQ(bad.exitCode, 2);
  EXPECT_NE(bad.err.find("table, json or pods"), std::string::npos) << bad.err;
}

}  // namespace
}  // namespace gantry
