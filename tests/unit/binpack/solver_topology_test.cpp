// The solver on topology: zone spread, hostname anti-affinity, pod affinity, preferred
// affinity, and gangs that are all or nothing in one zone.
#include <gtest/gtest.h>

#include <set>

#include "binpack/solver.h"
#include "tests/support/builders.h"
#include "tests/unit/binpack/solver_test_support.h"

namespace gantry::binpack {
namespace {

using testing::gpuCatalog;
using testing::makePod;
using testing::snapshotWith;

TEST(Solver, ZoneSpreadPutsReplicasInDifferentZones) {
  auto types = gpuCatalog();
  std::vector<api::Pod> pods;
  for (int i = 0; i < 3; ++i) {
    api::Pod p = makePod("web-" + std::to_string(i), {{"cpu", "1"}});
    p.labels = {{"app", "web"}};
    api::TopologySpreadConstraint tsc;
    tsc.topologyKey = "topology.kubernetes.io/zone";
    tsc.selector.matchLabels = {{"app", "web"}};
    p.topologySpread = {tsc};
    pods.push_back(p);
  }
  auto plan = solve(snapshotWith(pods), types);
  ASSERT_TRUE(plan);
  ASSERT_EQ(plan->nodes.size(), 3u);
  std::set<std::string> zones;
  for (const auto& n : plan->nodes) {
    ASSERT_EQ(n.zones.size(), 1u);
    zones.insert(n.zones[0]);
  }
  EXPECT_EQ(zones.size(), 3u);
}

TEST(Solver, HostnameAntiAffinitySeparatesReplicas) {
  auto types = gpuCatalog();
  std::vector<api::Pod> pods;
  for (int i = 0; i < 3; ++i) {
    api::Pod p = makePod("db-" + std::to_string(i), {{"cpu", "500m"}});
    p.labels = {{"app", "db"}};
    api::PodAffinityTerm term;
    term.topologyKey = "kubernetes.io/hostname";
    term.selector.matchLabels = {{"app", "db"}};
    p.requiredPodAntiAffinity = {term};
    pods.push_back(p);
  }
  auto plan = solve(snapshotWith(pods), types);
  ASSERT_TRUE(plan);
  EXPECT_EQ(plan->nodes.size(), 3u);
  for (const auto& n : plan->nodes) EXPECT_EQ(n.pods.size(), 1u);
}

TEST(Solver, PodAffinityColocatesOnOneNode) {
  auto types = gpuCatalog();
  std::vector<api::Pod> pods;
  for (int i = 0; i < 3; ++i) {
    api::Pod p = makePod("cache-" + std::to_string(i), {{"cpu", "500m"}});
    p.labels = {{"app", "cache"}};
    api::PodAffinityTerm term;
    term.topologyKey = "kubernetes.io/hostname";
    term.selector.matchLabels = {{"app", "cache"}};
    p.requiredPodAffinity = {term};
    pods.push_back(p);
  }
  auto plan = solve(snapshotWith(pods), types);
  ASSERT_TRUE(plan);
  ASSERT_EQ(plan->nodes.size(), 1u);
  EXPECT_EQ(plan->nodes[0].pods.size(), 3u);
}

TEST(Solver, GangIsAllOrNothingAndInOneZone) {
  auto types = gpuCatalog();
  std::vector<api::Pod> pods;
  for (int i = 0; i < 3; ++i) {
    api::Pod p = makePod("tf-" + std::to_string(i), {{"nvidia.com/gpu", "1"}});
    p.gang = "default/tf";
    pods.push_back(p);
  }
  auto plan = solve(snapshotWith(pods), types);
  ASSERT_TRUE(plan);
  std::set<std::string> zones;
  for (const auto& n : plan->nodes) {
    ASSERT_EQ(n.zones.size(), 1u);
    zones.insert(n.zones[0]);
    EXPECT_EQ(n.gang, "default/tf");
  }
  EXPECT_EQ(zones.size(), 1u);

  // One member that can never fit takes the whole gang down.
  api::Pod huge = makePod("tf-3", {{"nvidia.com/gpu", "64"}});
  huge.gang = "default/tf";
  pods.push_back(huge);
  plan = solve(snapshotWith(pods), types);
  ASSERT_TRUE(plan);
  EXPECT_TRUE(plan->nodes.empty());
  ASSERT_EQ(plan->unschedulable.size(), 4u);
  EXPECT_NE(plan->unschedulable[0].reason.find("all or nothing"), std::string::npos);
}

TEST(Solver, DaemonSetOverheadIsSubtractedFromNewNodes) {
  auto types = gpuCatalog();
  Snapshot s = snapshotWith({makePod("p", {{"cpu", "2"}})});
  auto plan = solve(s, types);
  ASSERT_TRUE(plan);
  EXPECT_EQ(plan->nodes[0].instanceType, "c.large");
  s.daemonSets.push_back(makePod("agent", {{"cpu", "100m"}}));
  plan = solve(s, types);
  ASSERT_TRUE(plan);
  EXPECT_EQ(plan->nodes[0].instanceType, "c.xlarge");
}

TEST(Solver, PreferredAffinityIsHonouredWhenPossibleAndDroppedOtherwise) {
  auto types = gpuCatalog();
  api::Pod p = makePod("p", {{"cpu", "1"}});
  p.preferredNodeAffinity = {{10, {{{"topology.kubernetes.io/zone", api::SelectorOp::kIn, {"us-east-1c"}}}}}};
  auto plan = solve(snapshotWith({p}), types);
  ASSERT_TRUE(plan);
  EXPECT_EQ(plan->nodes[0].zones, std::vector<std::string>{"us-east-1c"});

  p.preferredNodeAffinity = {{10, {{{"topology.kubernetes.io/zone", api::SelectorOp::kIn, {"mars-1a"}}}}}};
  plan = solve(snapshotWith({p}), types);
  ASSERT_TRUE(plan);
  EXPECT_EQ(plan->nodes.size(), 1u);
  EXPECT_TRUE(plan->unschedulable.empty());
}

}  // namespace
}  // namespace gantry::binpack
