// Per-node fixed costs in the objective (Snapshot::nodeFixedCostPerHour): a node's volumes and
// address make a few larger nodes cheaper than many small ones with the same room, in the
// greedy choice, the local search and the exact search alike; plans report instance price and
// node cost apart, and the lower bound still bounds the total.
#include <gtest/gtest.h>

#include "binpack/solver.h"
#include "tests/support/builders.h"
#include "tests/unit/binpack/solver_test_support.h"

namespace gantry::binpack {
namespace {

using testing::makePod;
using testing::makeTypes;
using testing::snapshotWith;

// Four small nodes cost $0.040 and one large $0.042 for the same room: without fixed costs
// the small ones win, with $0.002 a node the large one does ($0.044 against $0.048).
api::InstanceTypes smallAndLarge() {
  return makeTypes({{"s.large", "1", "2Gi", 0.010}, {"l.xlarge", "4", "8Gi", 0.042}});
}

std::vector<api::Pod> halfCpuPods(int n) {
  std::vector<api::Pod> pods;
  for (int i = 0; i < n; ++i) {
    pods.push_back(makePod("p" + std::to_string(i), {{"cpu", "500m"}, {"memory", "256Mi"}}));
  }
  return pods;
}

Options withSearch(bool exact, int rounds) {
  Options o;
  o.exactSearchMaxPods = exact ? 8 : 0;
  o.improvementRounds = rounds;
  return o;
}

TEST(FixedCost, WithoutFixedCostsManySmallNodesWin) {
  auto types = smallAndLarge();
  auto plan = solve(snapshotWith(halfCpuPods(8)), types);
  ASSERT_TRUE(plan) << plan.error().toString();
  ASSERT_EQ(plan->nodes.size(), 4u);
  for (const auto& n : plan->nodes) {
    EXPECT_EQ(n.instanceType, "s.large");
    EXPECT_DOUBLE_EQ(n.nodeCostPerHour, n.pricePerHour);
  }
  EXPECT_NEAR(plan->totalPricePerHour, 0.040, 1e-9);
}

TEST(FixedCost, FixedCostsMakeOneLargeNodeCheaperInEverySearch) {
  auto types = smallAndLarge();
  // Greedy alone, greedy with local search, and with the exact search on top.
  for (const Options& options : {withSearch(false, 0), withSearch(false, 3), withSearch(true, 3)}) {
    Snapshot s = snapshotWith(halfCpuPods(8));
    s.nodeFixedCostPerHour["default"] = 0.002;
    auto plan = solve(s, types, options);
    ASSERT_TRUE(plan) << plan.error().toString();
    ASSERT_EQ(plan->nodes.size(), 1u);
    const PlannedNode& n = plan->nodes.front();
    EXPECT_EQ(n.instanceType, "l.xlarge");
    EXPECT_NEAR(n.pricePerHour, 0.042, 1e-12);       // the instance alone
    EXPECT_NEAR(n.nodeCostPerHour, 0.044, 1e-12);    // with the volume
    EXPECT_NEAR(plan->totalPricePerHour, 0.044, 1e-12);
    EXPECT_LE(plan->lowerBoundPerHour, plan->totalPricePerHour + 1e-12);
  }
}

TEST(FixedCost, OneNodeForTwoShapesOnlyWhenTheSavedNodeCostPaysForIt) {
  // Pods of two shapes that do not share a small node. Apart they cost 2 x (0.010 + fixed),
  // together 0.042 + fixed: one large node wins once a node's fixed cost passes $0.032.
  auto types = smallAndLarge();
  Snapshot s = snapshotWith({makePod("a", {{"cpu", "700m"}, {"memory", "1Gi"}}),
                             makePod("b", {{"cpu", "600m"}, {"memory", "512Mi"}})});
  for (const Options& options : {withSearch(false, 0), withSearch(false, 3), withSearch(true, 3)}) {
    s.nodeFixedCostPerHour["default"] = 0.01;
    auto apart = solve(s, types, options);
    ASSERT_TRUE(apart) << apart.error().toString();
    EXPECT_EQ(apart->nodes.size(), 2u);
    EXPECT_NEAR(apart->totalPricePerHour, 0.040, 1e-12);
    s.nodeFixedCostPerHour["default"] = 0.04;
    auto together = solve(s, types, options);
    ASSERT_TRUE(together) << together.error().toString();
    ASSERT_EQ(together->nodes.size(), 1u);
    EXPECT_EQ(together->nodes.front().pods.size(), 2u);
    EXPECT_NEAR(together->totalPricePerHour, 0.082, 1e-12);
  }
}

TEST(FixedCost, TotalAndLowerBoundCountTheFixedCostOfEachNode) {
  // Each pod needs a node of its own: the total is the prices plus one fixed cost per node,
  // and here the bound is tight.
  auto types = smallAndLarge();
  Snapshot s = snapshotWith({makePod("a", {{"cpu", "1"}}), makePod("b", {{"cpu", "1"}})});
  s.nodeFixedCostPerHour["default"] = 0.0005;
  s.nodeFixedCostPerHour["unused"] = 5.0;  // pools not in the snapshot change nothing
  auto plan = solve(s, types);
  ASSERT_TRUE(plan) << plan.error().toString();
  ASSERT_EQ(plan->nodes.size(), 2u);
  EXPECT_NEAR(plan->totalPricePerHour, 2 * (0.010 + 0.0005), 1e-12);
  EXPECT_NEAR(plan->lowerBoundPerHour, 2 * (0.010 + 0.0005), 1e-12);
}

TEST(FixedCost, EachPoolPaysItsOwnFixedCost) {
  auto types = smallAndLarge();
  Snapshot s = snapshotWith({makePod("a", {{"cpu", "1"}})});
  api::NodePool other = testing::openPool("other");
  other.weight = 10;  // tried first
  s.nodePools.push_back(other);
  s.nodeFixedCostPerHour["default"] = 0.001;
  s.nodeFixedCostPerHour["other"] = 0.003;
  auto plan = solve(s, types);
  ASSERT_TRUE(plan) << plan.error().toString();
  ASSERT_EQ(plan->nodes.size(), 1u);
  EXPECT_EQ(plan->nodes.front().nodePool, "other");
  EXPECT_NEAR(plan->nodes.front().nodeCostPerHour, 0.013, 1e-12);
}

}  // namespace
}  // namespace gantry::binpack
