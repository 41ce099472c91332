// `gantry plan` prices each node's volumes and public address from the EC2NodeClass its pool
// names (or the AL2023 default): per NodeClaim price_per_hour stays the instance's and
// node_cost_per_hour adds them; the totals include them; class decode errors name the field.
#include <gtest/gtest.h>

#include <cmath>

#include <nlohmann/json.hpp>

#include "tests/support/run_command.h"
#include "tests/unit/provisioner/plan_command_support.h"

namespace gantry {
namespace {

using gantry::testing::CommandResult;
using gantry::testing::planTestdata;
using gantry::testing::gantryPlan;

double rounded(double p) { return std::round(p * 1e6) / 1e6; }

// Per GiB-month of gp3, over 730 hours.
constexpr double kGp3PerGiBHour = 0.08 / 730;

// Checks every claim's node cost against `fixed` and the totals against the claims.
void expectNodeCosts(const nlohmann::json& plan, double fixed) {
  double prices = 0, costs = 0;
  ASSERT_FALSE(plan["nodeclaims"].empty());
  for (const auto& claim : plan["nodeclaims"]) {
    const double price = claim["price_per_hour"].get<double>();
    EXPECT_NEAR(claim["node_cost_per_hour"].get<double>(), rounded(price + fixed), 1.1e-6);
    prices += price;
    costs += claim["node_cost_per_hour"].get<double>();
  }
  EXPECT_NEAR(plan["total_price_per_hour"].get<double>(), costs, 1e-5);
  EXPECT_NEAR(plan["total_instance_price_per_hour"].get<double>(), prices, 1e-5);
  EXPECT_GE(plan["total_price_per_hour"].get<double>() + 1e-9,
            plan["lower_bound_price_per_hour"].get<double>());
}

TEST(PlanNodeCost, WithoutANodeClassEachNodeCarriesTheAl2023RootVolume) {
  CommandResult run = gantryPlan("--pods " + planTestdata("node-cost/pods.yaml") + " -o json");
  ASSERT_EQ(run.exitCode, 0) << run.err;
  expectNodeCosts(nlohmann::json::parse(run.out), 20 * kGp3PerGiBHour);
}

TEST(PlanNodeCost, TheClassOfThePoolPricesItsVolumesAndPublicAddress) {
  const double fixed = (4 + 20) * kGp3PerGiBHour + 0.005;
  // Given with the NodePools, or among the pods: both are read.
  for (const std::string& args :
       {"--pods " + planTestdata("node-cost/pods.yaml") + " --nodepools " + planTestdata("node-cost/pools.yaml"),
        "--pods " + planTestdata("node-cost/pods.yaml") + " --pods " + planTestdata("node-cost/pools.yaml")}) {
    CommandResult run = gantryPlan(args + " -o json");
    ASSERT_EQ(run.exitCode, 0) << run.err;
    auto plan = nlohmann::json::parse(run.out);
    EXPECT_TRUE(plan["errors"].empty()) << plan["errors"];
    for (const auto& claim : plan["nodeclaims"]) EXPECT_EQ(claim["nodepool"], "general");
    expectNodeCosts(plan, fixed);
  }
}

TEST(PlanNodeCost, TheTableShowsBothPricesAndTheFixedShareOfTheTotal) {
  CommandResult run = gantryPlan("--pods " + planTestdata("node-cost/pods.yaml"));
  ASSERT_EQ(run.exitCode, 0) << run.err;
  EXPECT_NE(run.out.find("NODE-$/H"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("of which node volumes and addresses $"), std::string::npos) << run.out;
}

TEST(PlanNodeCost, AClassThatDoesNotDecodeIsAnErrorNamingTheField) {
  CommandResult run = gantryPlan("--pods " + planTestdata("node-cost/pods.yaml") + " --pods " +
                                 planTestdata("node-cost/bad-class.yaml") + " -o json");
  EXPECT_EQ(run.exitCode, 2) << run.err;
  auto plan = nlohmann::json::parse(run.out);
  ASSERT_EQ(plan["errors"].size(), 1u) << plan["errors"];
  const auto& error = plan["errors"][0];
  // Named as the expander names every object, NodePools included.
  EXPECT_EQ(error["object"], "EC2NodeClass default/broken");
  EXPECT_EQ(error["field"], "spec.blockDeviceMappings[0].ebs.volumeSize");
  // The rest is planned, at the default class's cost.
  expectNodeCosts(plan, 20 * kGp3PerGiBHour);
}

}  // namespace
}  // namespace gantry
