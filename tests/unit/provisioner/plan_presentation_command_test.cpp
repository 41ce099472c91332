// How `gantry plan` presents a plan, through the real binary: estimated prices marked in the
// table (`~` and a footnote) and in JSON (price_estimated), large plans summarised by
// instance type in the table, JSON prices rounded to 6 decimals, and "1 pod" in singular.
#include <gtest/gtest.h>

#include "tests/support/run_command.h"
#include "tests/unit/provisioner/plan_command_support.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

namespace gantry {
namespace {

using gantry::testing::CommandResult;
using gantry::testing::gantryPlan;
using json = nlohmann::json;

// Writes `yaml` to a file of its own under the test temp dir and returns its path.
std::string manifest(const std::string& name, const std::string& yaml) {
  const std::string path = ::testing::TempDir() + "plan_presentation_" + name + ".yaml";
  std::ofstream(path) << yaml;
  return path;
}

std::string web(int replicas, bool spreadOverNodes) {
  std::string yaml =
      "apiVersion: apps/v1\n"
      "kind: Deployment\n"
      "metadata: {name: web, namespace: shop}\n"
      "spec:\n"
      "  replicas: " + std::to_string(replicas) + "\n"
      "  selector: {matchLabels: {app: web}}\n"
      "  template:\n"
      "    metadata: {labels: {app: web}}\n"
      "    spec:\n";
  if (spreadOverNodes) {
    yaml +=
        "      affinity:\n"
        "        podAntiAffinity:\n"
        "          requiredDuringSchedulingIgnoredDuringExecution:\n"
        "            - labelSelector: {matchLabels: {app: web}}\n"
        "              topologyKey: kubernetes.io/hostname\n";
  }
  yaml +=
      "      containers:\n"
      "        - name: c\n"
      "          image: nginx\n"
      "          resources: {requests: {cpu: 500m, memory: 512Mi}}\n";
  return yaml;
}

const std::string kSpotPool =
    "apiVersion: gantry.dev/v1\n"
    "kind: NodePool\n"
    "metadata: {name: spot}\n"
    "spec:\n"
    "  template:\n"
    "    spec:\n"
    "      requirements:\n"
    "        - {key: karpenter.sh/capacity-type, operator: In, values: [spot]}\n"
    "        - {key: kubernetes.io/arch, operator: In, values: [amd64]}\n";

TEST(PlanPresentation, OnePodIsSingularAndUsEast1OnDemandIsNotEstimated) {
  const std::string pods = manifest("one", web(1, false));
  CommandResult table = gantryPlan("--pods " + pods);
  ASSERT_EQ(table.exitCode, 0) << table.err;
  EXPECT_NE(table.out.find("1 new node for 1 pod, "), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("fitting types for 1 pod requesting"), std::string::npos) << table.out;
  EXPECT_EQ(table.out.find("1 pods"), std::string::npos) << table.out;
  EXPECT_EQ(table.out.find('~'), std::string::npos) << table.out;

  CommandResult run = gantryPlan("--pods " + pods + " -o json");
  ASSERT_EQ(run.exitCode, 0) << run.err;
  json plan = json::parse(run.out);
  ASSERT_EQ(plan["nodeclaims"].size(), 1u);
  EXPECT_EQ(plan["nodeclaims"][0]["price_estimated"], false);
}

TEST(PlanPresentation, EstimatedPricesAreMarkedInTableAndJson) {
  const std::string pods = manifest("two", web(2, false));
  const std::string pools = manifest("spot", kSpotPool);
  // Spot prices are estimates everywhere; on-demand prices are outside us-east-1.
  for (const std::string& args : {"--pods " + pods + " --nodepools " + pools,
                                  "--pods " + pods + " --region eu-west-1"}) {
    CommandResult table = gantryPlan(args);
    ASSERT_EQ(table.exitCode, 0) << args << table.err;
    EXPECT_NE(table.out.find(" ~0."), std::string::npos) << args << table.out;
    EXPECT_NE(table.out.find("total ~$"), std::string::npos) << args << table.out;
    EXPECT_NE(table.out.find("~ estimated price"), std::string::npos) << args << table.out;

    CommandResult run = gantryPlan(args + " -o json");
    ASSERT_EQ(run.exitCode, 0) << args << run.err;
    json plan = json::parse(run.out);
    ASSERT_FALSE(plan["nodeclaims"].empty()) << args;
    for (const json& claim : plan["nodeclaims"]) EXPECT_EQ(claim["price_estimated"], true) << args;
  }
}

TEST(PlanPresentation, LargePlanTableIsSummarisedByInstanceTypeAndJsonListsEveryNode) {
  // Required anti-affinity on the hostname: 25 replicas, 25 nodes.
  const std::string pods = manifest("many", web(25, true));
  CommandResult table = gantryPlan("--pods " + pods);
  ASSERT_EQ(table.exitCode, 0) << table.err;
  EXPECT_NE(table.out.find("25 new nodes, summarised by instance type"), std::string::npos)
      << table.out;
  EXPECT_NE(table.out.find("NODES"), std::string::npos) << table.out;
  EXPECT_EQ(table.out.find("why:"), std::string::npos) << table.out;
  EXPECT_LT(std::count(table.out.begin(), table.out.end(), '\n'), 10) << table.out;
  EXPECT_NE(table.out.find("25 new nodes for 25 pods"), std::string::npos) << table.out;

  CommandResult run = gantryPlan("--pods " + pods + " -o json");
  ASSERT_EQ(run.exitCode, 0) << run.err;
  json plan = json::parse(run.out);
  EXPECT_EQ(plan["nodeclaims"].size(), 25u);

  // At 20 nodes or fewer the table still lists each node.
  CommandResult small = gantryPlan("--pods " + manifest("twenty", web(20, true)));
  ASSERT_EQ(small.exitCode, 0) << small.err;
  EXPECT_EQ(small.out.find("summarised"), std::string::npos) << small.out;
}

TEST(PlanPresentation, JsonPricesHaveAtMostSixDecimals) {
  const std::string pods = manifest("spot-prices", web(3, true));
  CommandResult run = gantryPlan("--pods " + pods + " --nodepools " +
                                 manifest("spot-pool", kSpotPool) + " -o json");
  ASSERT_EQ(run.exitCode, 0) << run.err;
  json plan = json::parse(run.out);
  auto sixDecimals = [](const json& price) {
    const double micro = price.get<double>() * 1e6;
    return std::fabs(micro - std::round(micro)) < 1e-6;
  };
  for (const json& claim : plan["nodeclaims"]) {
    EXPECT_TRUE(sixDecimals(claim["price_per_hour"])) << claim["price_per_hour"];
  }
  EXPECT_TRUE(sixDecimals(plan["total_price_per_hour"])) << plan["total_price_per_hour"];
  // No float noise in the text either (0.0842, not 0.08420000000000001).
  EXPECT_EQ(run.out.find("0000000"), std::string::npos) << run.out;
}

}  // namespace
}  // namespace gantry
