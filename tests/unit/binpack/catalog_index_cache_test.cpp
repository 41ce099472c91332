// CatalogIndexCache: a solve over a kept index plans exactly what a fresh solve plans, and an
// index is rebuilt whenever something it was built from changes (a NodePool but for its status,
// a DaemonSet, a fixed cost, the resource dimensions, the catalog object).
#include "binpack/catalog_index_cache.h"

#include <gtest/gtest.h>

#include <memory>
#include <sstream>
#include <string>

#include "binpack/solver.h"
#include "tests/support/builders.h"
#include "tests/unit/binpack/solver_test_support.h"

namespace gantry::binpack {
namespace {

using testing::gpuCatalog;
using testing::makePod;
using testing::snapshotWith;

// What a plan decided, in one comparable line per node, pool and price included.
std::string summary(const Plan& plan) {
  std::ostringstream out;
  for (const auto& n : plan.nodes) {
    out << n.nodePool << ' ' << n.instanceType << ' ' << n.nodeCostPerHour << " [";
    for (const auto& p : n.pods) out << p << ' ';
    out << "]\n";
  }
  for (const auto& u : plan.unschedulable) out << "unschedulable " << u.pod << '\n';
  out << "total " << plan.totalPricePerHour << " bound " << plan.lowerBoundPerHour;
  return out.str();
}

class CatalogIndexCacheTest : public ::testing::Test {
 protected:
  // Solves with the cache and checks the plan is the one a fresh solve makes.
  Plan solveBoth(const Snapshot& snapshot) {
    auto fresh = solve(snapshot, *catalog_);
    auto cached = solve(snapshot, catalog_, Options{}, cache_);
    EXPECT_TRUE(fresh.has_value() && cached.has_value());
    if (!fresh || !cached) return {};
    EXPECT_EQ(summary(*cached), summary(*fresh));
    return *cached;
  }

  api::InstanceTypesPtr catalog_ = std::make_shared<const api::InstanceTypes>(gpuCatalog());
  CatalogIndexCache cache_;
};

TEST_F(CatalogIndexCacheTest, SolvesOverEqualInputsBuildTheIndexOnce) {
  solveBoth(snapshotWith({makePod("a", {{"cpu", "1"}})}));
  solveBoth(snapshotWith({makePod("b", {{"cpu", "3"}}), makePod("c", {{"cpu", "2"}})}));
  Snapshot used = snapshotWith({makePod("d", {{"cpu", "1"}})});
  // status.resources changes with every launch; the index does not depend on it.
  used.nodePools[0].statusResources = testing::resources({{"cpu", "12"}, {"nodes", "3"}});
  const Plan plan = solveBoth(used);
  EXPECT_EQ(cache_.builds(), 1u);
  ASSERT_EQ(plan.nodes.size(), 1u);
  EXPECT_EQ(plan.nodes[0].nodePool, "default");
}

TEST_F(CatalogIndexCacheTest, AChangedNodePoolIsPlannedAsItNowIs) {
  Snapshot snapshot = snapshotWith({makePod("a", {{"cpu", "1"}})});
  EXPECT_EQ(solveBoth(snapshot).nodes.at(0).instanceType, "c.large");
  snapshot.nodePools[0].requirements = {
      *api::Requirement::make("node.kubernetes.io/instance-type", api::SelectorOp::kIn, {"c.xlarge"})};
  EXPECT_EQ(solveBoth(snapshot).nodes.at(0).instanceType, "c.xlarge");
  snapshot.nodePools[0].name = "renamed";
  EXPECT_EQ(solveBoth(snapshot).nodes.at(0).nodePool, "renamed");
  EXPECT_EQ(cache_.builds(), 3u);
}

TEST_F(CatalogIndexCacheTest, DaemonSetsAndFixedCostsAreInputs) {
  Snapshot snapshot = snapshotWith({makePod("a", {{"cpu", "1500m"}})});
  EXPECT_EQ(solveBoth(snapshot).nodes.at(0).instanceType, "c.large");
  // A DaemonSet taking 1 CPU off every node leaves c.large too small.
  snapshot.daemonSets = {makePod("agent", {{"cpu", "1"}})};
  EXPECT_EQ(solveBoth(snapshot).nodes.at(0).instanceType, "c.xlarge");
  snapshot.nodeFixedCostPerHour["default"] = 0.05;
  EXPECT_NEAR(solveBoth(snapshot).totalPricePerHour, 0.21, 1e-9);
  EXPECT_EQ(cache_.builds(), 3u);
}

TEST_F(CatalogIndexCacheTest, KeepsAnIndexPerSetOfDimensions) {
  const Snapshot cpu = snapshotWith({makePod("a", {{"cpu", "1"}})});
  const Snapshot gpu = snapshotWith({makePod("t", {{"cpu", "1"}, {"nvidia.com/gpu", "1"}})});
  EXPECT_EQ(solveBoth(cpu).nodes.at(0).instanceType, "c.large");
  EXPECT_EQ(solveBoth(gpu).nodes.at(0).instanceType, "g.xlarge");
  solveBoth(cpu);
  solveBoth(gpu);
  EXPECT_EQ(cache_.builds(), 2u);
}

TEST_F(CatalogIndexCacheTest, AnotherCatalogObjectIsBuiltAfreshEvenWhenEqual) {
  const Snapshot snapshot = snapshotWith({makePod("a", {{"cpu", "1"}})});
  solveBoth(snapshot);
  catalog_ = std::make_shared<const api::InstanceTypes>(gpuCatalog());
  solveBoth(snapshot);
  EXPECT_EQ(cache_.builds(), 2u);
}

TEST_F(CatalogIndexCacheTest, KeepsTheMostRecentlyUsedIndexes) {
  CatalogIndexCache small(1);
  const Snapshot cpu = snapshotWith({makePod("a", {{"cpu", "1"}})});
  const Snapshot gpu = snapshotWith({makePod("t", {{"nvidia.com/gpu", "1"}})});
  for (const Snapshot* s : {&cpu, &gpu, &cpu}) ASSERT_TRUE(solve(*s, catalog_, Options{}, small));
  EXPECT_EQ(small.builds(), 3u);
}

TEST_F(CatalogIndexCacheTest, NoCatalogIsAnError) {
  EXPECT_FALSE(solve(snapshotWith({makePod("a", {{"cpu", "1"}})}), nullptr, Options{}, cache_));
}

}  // namespace
}  // namespace gantry::binpack
