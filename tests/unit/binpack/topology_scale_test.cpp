// Zone spread, hostname spread and hostname anti-affinity where the solver's shortcuts for
// large classes apply: skew measured against pods already running, nodes other classes opened,
// existing nodes, NodePool limits, and classes of hundreds of pods.
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <map>

#include "binpack/solver.h"
#include "tests/support/builders.h"
#include "tests/unit/binpack/solver_test_support.h"

namespace gantry::binpack {
namespace {

using testing::gpuCatalog;
using testing::makePod;
using testing::snapshotWith;

constexpr const char* kZone = "topology.kubernetes.io/zone";
constexpr const char* kHost = "kubernetes.io/hostname";

api::Pod spreadPod(const std::string& name, const std::string& cpu, const std::string& key,
                   int32_t maxSkew = 1) {
  api::Pod p = makePod(name, {{"cpu", cpu}});
  p.labels = {{"app", "web"}};
  api::TopologySpreadConstraint tsc;
  tsc.topologyKey = key;
  tsc.maxSkew = maxSkew;
  tsc.selector.matchLabels = {{"app", "web"}};
  p.topologySpread = {tsc};
  return p;
}

api::Pod antiAffinePod(const std::string& name, const std::string& cpu) {
  api::Pod p = makePod(name, {{"cpu", cpu}});
  p.labels = {{"app", "db"}};
  api::PodAffinityTerm term;
  term.topologyKey = kHost;
  term.selector.matchLabels = {{"app", "db"}};
  p.requiredPodAntiAffinity = {term};
  return p;
}

std::vector<api::Pod> replicas(size_t n, const std::function<api::Pod(const std::string&)>& make) {
  std::vector<api::Pod> pods;
  for (size_t i = 0; i < n; ++i) pods.push_back(make("r-" + std::to_string(i)));
  return pods;
}

api::Node existingNode(const std::string& name, const std::string& zone, const std::string& freeCpu) {
  api::Node node;
  node.name = name;
  node.allocatable = testing::resources({{"cpu", freeCpu}, {"memory", "64Gi"}, {"pods", "110"}});
  node.labels = {{kZone, zone}, {kHost, name}};
  return node;
}

// Pods whose name starts with `prefix`, per zone of the new node they were planned on
// (each such node must be in one zone).
std::map<std::string, int> podsPerZone(const Plan& plan, const std::string& prefix) {
  std::map<std::string, int> out;
  for (const auto& node : plan.nodes) {
    int mine = static_cast<int>(std::count_if(node.pods.begin(), node.pods.end(), [&](const std::string& p) {
      return p.starts_with("default/" + prefix);
    }));
    if (mine == 0) continue;
    EXPECT_EQ(node.zones.size(), 1u) << "a node holding zone-spread pods is in one zone";
    if (!node.zones.empty()) out[node.zones[0]] += mine;
  }
  return out;
}

int mostPerNode(const Plan& plan, const std::string& prefix) {
  int most = 0;
  for (const auto& node : plan.nodes) {
    most = std::max(most, static_cast<int>(std::count_if(node.pods.begin(), node.pods.end(), [&](const std::string& p) {
      return p.starts_with("default/" + prefix);
    })));
  }
  return most;
}

TEST(TopologyAtScale, ZoneSpreadCountsPodsAlreadyRunningInTheSkew) {
  Snapshot s = snapshotWith(replicas(8, [](const std::string& n) { return spreadPod(n, "500m", kZone); }));
  // Zone a already runs four matching pods and has no room left.
  api::Node busy = existingNode("busy-a", "us-east-1a", "0");
  for (int i = 0; i < 4; ++i) busy.pods.push_back({"default/old-" + std::to_string(i), {{"app", "web"}}});
  s.nodes = {busy};
  auto plan = solve(s, gpuCatalog());
  ASSERT_TRUE(plan);
  EXPECT_TRUE(plan->unschedulable.empty());
  auto zones = podsPerZone(*plan, "r-");
  EXPECT_EQ(zones["us-east-1a"], 0);
  EXPECT_EQ(zones["us-east-1b"], 4);
  EXPECT_EQ(zones["us-east-1c"], 4);
}

TEST(TopologyAtScale, LargeZoneSpreadStaysWithinMaxSkewBesideOtherClasses) {
  // Plain pods open nodes first (larger requests go first) that a zone is then chosen for.
  std::vector<api::Pod> pods = replicas(301, [](const std::string& n) { return spreadPod(n, "250m", kZone, 2); });
  for (int i = 0; i < 7; ++i) pods.push_back(makePod("plain-" + std::to_string(i), {{"cpu", "1500m"}}));
  auto plan = solve(snapshotWith(pods), gpuCatalog());
  ASSERT_TRUE(plan);
  EXPECT_TRUE(plan->unschedulable.empty());
  auto zones = podsPerZone(*plan, "r-");
  ASSERT_EQ(zones.size(), 3u);
  int total = 0, least = 1 << 30, most = 0;
  for (const auto& [zone, count] : zones) {
    total += count;
    least = std::min(least, count);
    most = std::max(most, count);
  }
  EXPECT_EQ(total, 301);
  EXPECT_LE(most - least, 2);
}

TEST(TopologyAtScale, ZoneSpreadWithMoreMinDomainsThanZonesCapsEachZoneAtMaxSkew) {
  // Three zones and minDomains 5: the global minimum counts as 0, so each zone takes maxSkew.
  Snapshot s = snapshotWith(replicas(6, [](const std::string& n) {
    api::Pod p = spreadPod(n, "500m", kZone);
    p.topologySpread[0].minDomains = 5;
    return p;
  }));
  auto plan = solve(s, gpuCatalog());
  ASSERT_TRUE(plan);
  auto zones = podsPerZone(*plan, "r-");
  EXPECT_EQ(zones.size(), 3u);
  for (const auto& [zone, count] : zones) EXPECT_EQ(count, 1) << zone;
  EXPECT_EQ(plan->unschedulable.size(), 3u);
}

TEST(TopologyAtScale, AntiAffinityPutsOnePodPerNodeIncludingNodesOfOtherClasses) {
  // The plain pod's c.xlarge keeps a free vCPU: one db pod may join it, never two.
  std::vector<api::Pod> pods = replicas(200, [](const std::string& n) { return antiAffinePod(n, "500m"); });
  pods.push_back(makePod("plain", {{"cpu", "3"}}));
  auto plan = solve(snapshotWith(pods), gpuCatalog());
  ASSERT_TRUE(plan);
  EXPECT_TRUE(plan->unschedulable.empty());
  EXPECT_EQ(mostPerNode(*plan, "r-"), 1);
  EXPECT_EQ(plan->nodes.size(), 200u);
  auto shared = std::find_if(plan->nodes.begin(), plan->nodes.end(), [](const PlannedNode& n) {
    return std::find(n.pods.begin(), n.pods.end(), "default/plain") != n.pods.end();
  });
  ASSERT_NE(shared, plan->nodes.end());
  EXPECT_EQ(shared->pods.size(), 2u);
}

TEST(TopologyAtScale, AntiAffinitySkipsExistingNodesThatRunAMatchingPod) {
  Snapshot s = snapshotWith(replicas(3, [](const std::string& n) { return antiAffinePod(n, "500m"); }));
  api::Node taken = existingNode("taken", "us-east-1a", "8");
  taken.pods.push_back({"default/db-old", {{"app", "db"}}});
  api::Node free = existingNode("free", "us-east-1b", "8");
  s.nodes = {taken, free};
  auto plan = solve(s, gpuCatalog());
  ASSERT_TRUE(plan);
  EXPECT_TRUE(plan->unschedulable.empty());
  ASSERT_EQ(plan->existing.size(), 1u);
  EXPECT_EQ(plan->existing[0].node, "free");
  EXPECT_EQ(plan->nodes.size(), 2u);
  EXPECT_EQ(mostPerNode(*plan, "r-"), 1);
}

TEST(TopologyAtScale, HostnameSpreadPutsAtMostMaxSkewPodsOnANode) {
  auto plan = solve(snapshotWith(replicas(101, [](const std::string& n) { return spreadPod(n, "250m", kHost, 2); })),
                    gpuCatalog());
  ASSERT_TRUE(plan);
  EXPECT_TRUE(plan->unschedulable.empty());
  EXPECT_EQ(mostPerNode(*plan, "r-"), 2);
  EXPECT_EQ(plan->nodes.size(), 51u);
}

TEST(TopologyAtScale, AntiAffinityUnderANodeLimitPlacesWhatTheLimitAllows) {
  Snapshot s = snapshotWith(replicas(5, [](const std::string& n) { return antiAffinePod(n, "500m"); }));
  s.nodePools[0].limits = testing::resources({{"nodes", "3"}});
  auto plan = solve(s, gpuCatalog());
  ASSERT_TRUE(plan);
  EXPECT_EQ(plan->nodes.size(), 3u);
  EXPECT_EQ(mostPerNode(*plan, "r-"), 1);
  ASSERT_EQ(plan->unschedulable.size(), 2u);
  EXPECT_NE(plan->unschedulable[0].reason.find("limit"), std::string::npos) << plan->unschedulable[0].reason;
}

}  // namespace
}  // namespace gantry::binpack
