// The simulation charges each node's fixed cost (volumes, addresses) per node-hour beside its
// instance price, in every node's cost, the total and the spend rate, and the solver sees it.
#include <gtest/gtest.h>

#include "tests/unit/provisioner/simulate/simulate_test_support.h"

namespace gantry::provisioner::simulate::testing {
namespace {

const std::string kTrainingPod = "---\n" + trainingPod("30m");

SimulationOutcome simulateWith(const gantry::simulate::Trace& trace, double fixedCost) {
  EngineOptions options;
  options.nodeFixedCostPerHour = fixedCost;
  auto engine = SimulationEngine::make(trace, options);
  EXPECT_TRUE(engine.has_value()) << (engine ? "" : engine.error().message());
  if (!engine) return {};
  return (*engine)->run();
}

TEST(NodeFixedCostSimulation, EachNodeHourPaysTheFixedCostBesideTheInstance) {
  auto trace = traceOf(nodePool("gpu", "1m") + kTrainingPod);
  const double fixed = 20 * 0.08 / 730;  // a 20 GiB gp3 root volume
  SimulationOutcome o = simulateWith(trace, fixed);
  ASSERT_EQ(o.nodes.size(), 1u);
  const NodeRecord& node = o.nodes[0];
  // Launched at 1 s, reaped at 2001 s (as without fixed costs: the timing does not change).
  const double hours = 2000.0 / 3600;
  EXPECT_DOUBLE_EQ(node.pricePerHour, onDemandPrice("g4dn.xlarge"));
  EXPECT_DOUBLE_EQ(node.fixedCostPerHour, fixed);
  EXPECT_DOUBLE_EQ(node.cost, (onDemandPrice("g4dn.xlarge") + fixed) * hours);

  SimulationOutcome without = simulateWith(trace, 0);
  ASSERT_EQ(without.nodes.size(), 1u);
  EXPECT_NEAR(node.cost - without.nodes[0].cost, fixed * hours, 1e-12);
}

TEST(NodeFixedCostSimulation, ANegativeFixedCostIsRefused) {
  auto trace = traceOf(nodePool("gpu", "1m") + kTrainingPod);
  EngineOptions options;
  options.nodeFixedCostPerHour = -1;
  auto engine = SimulationEngine::make(trace, options);
  ASSERT_FALSE(engine.has_value());
  EXPECT_NE(engine.error().message().find("nodeFixedCostPerHour"), std::string::npos);
}

}  // namespace
}  // namespace gantry::provisioner::simulate::testing
