// Host ports in the solver, as the kube-scheduler NodePorts filter sees them: two pods whose
// host ports share protocol and port, with overlapping hostIPs (equal, or either the
// wildcard), never share a node, nor go where a bound pod holds the port; other combinations
// pack together as before.
#include "binpack/solver.h"

#include <gtest/gtest.h>

#include <set>

#include "tests/support/builders.h"
#include "tests/unit/binpack/solver_test_support.h"

namespace gantry::binpack {
namespace {

using testing::makePod;
using testing::makeTypes;
using testing::snapshotWith;
using testing::cpuCatalog;

api::Pod podWithPort(const std::string& name, int32_t port, std::string protocol = "TCP",
                     std::string hostIP = "") {
  api::Pod p = makePod(name, {{"cpu", "100m"}});
  p.hostPorts = {api::HostPort{std::move(protocol), std::move(hostIP), port}};
  return p;
}

// Every pod's node index in the plan.
std::set<size_t> nodesOf(const Plan& plan, std::initializer_list<std::string> pods) {
  std::set<size_t> out;
  for (size_t n = 0; n < plan.nodes.size(); ++n) {
    for (const auto& pod : plan.nodes[n].pods) {
      for (const auto& want : pods) {
        if (pod == "default/" + want) out.insert(n);
      }
    }
  }
  return out;
}

TEST(HostPorts, ReplicasAskingTheSamePortGetANodeEach) {
  std::vector<api::Pod> pods;
  for (int i = 0; i < 3; ++i) pods.push_back(podWithPort("ingress-" + std::to_string(i), 8080));
  auto plan = solve(snapshotWith(pods), cpuCatalog());
  ASSERT_TRUE(plan);
  EXPECT_TRUE(plan->unschedulable.empty());
  ASSERT_EQ(plan->nodes.size(), 3u);
  for (const auto& n : plan->nodes) EXPECT_EQ(n.pods.size(), 1u);
}

TEST(HostPorts, DifferentPortsOrProtocolsShareANode) {
  auto plan = solve(snapshotWith({podWithPort("a", 8080), podWithPort("b", 9090),
                                  podWithPort("c", 8080, "UDP"), makePod("plain", {{"cpu", "100m"}})}),
                    cpuCatalog());
  ASSERT_TRUE(plan);
  EXPECT_EQ(plan->nodes.size(), 1u);
}

TEST(HostPorts, HostIpsOverlapWhenEqualOrEitherIsTheWildcard) {
  // Distinct specific addresses: no overlap, one node.
  auto distinct = solve(snapshotWith({podWithPort("a", 53, "UDP", "10.0.0.1"),
                                      podWithPort("b", 53, "UDP", "10.0.0.2")}),
                        cpuCatalog());
  ASSERT_TRUE(distinct);
  EXPECT_EQ(distinct->nodes.size(), 1u);
  // The same address, or a wildcard against an address: apart.
  for (const auto& [ipA, ipB] : std::vector<std::pair<std::string, std::string>>{
           {"10.0.0.1", "10.0.0.1"}, {"0.0.0.0", "10.0.0.2"}, {"", "10.0.0.2"}}) {
    auto plan = solve(snapshotWith({podWithPort("a", 53, "UDP", ipA), podWithPort("b", 53, "UDP", ipB)}),
                      cpuCatalog());
    ASSERT_TRUE(plan);
    EXPECT_EQ(plan->nodes.size(), 2u) << ipA << " vs " << ipB;
    EXPECT_EQ(nodesOf(*plan, {"a", "b"}).size(), 2u) << ipA << " vs " << ipB;
  }
}

TEST(HostPorts, ExistingNodeTakesOnlyOneOfThem) {
  Snapshot s = snapshotWith({podWithPort("a", 8080), podWithPort("b", 8080)});
  api::Node node;
  node.name = "roomy";
  node.ready = true;
  node.allocatable = testing::resources({{"cpu", "4"}, {"memory", "8Gi"}, {"pods", "110"}});
  s.nodes = {node};
  auto plan = solve(s, cpuCatalog());
  ASSERT_TRUE(plan);
  EXPECT_EQ(plan->existing.size(), 1u);
  EXPECT_EQ(plan->nodes.size(), 1u);
}

TEST(HostPorts, PortHeldByABoundPodKeepsAPendingOneOff) {
  Snapshot s = snapshotWith({podWithPort("a", 8080), podWithPort("b", 9090)});
  api::Node node;
  node.name = "busy";
  node.ready = true;
  node.allocatable = testing::resources({{"cpu", "4"}, {"memory", "8Gi"}, {"pods", "110"}});
  node.hostPorts = {api::HostPort{"TCP", "", 8080}};
  s.nodes = {node};
  auto plan = solve(s, cpuCatalog());
  ASSERT_TRUE(plan);
  ASSERT_EQ(plan->existing.size(), 1u);
  EXPECT_EQ(plan->existing[0].pod, "default/b");
  ASSERT_EQ(plan->nodes.size(), 1u);
  EXPECT_EQ(plan->nodes[0].pods, std::vector<std::string>{"default/a"});
}

TEST(HostPorts, ADaemonSetHoldingThePortOnEveryNewNodeMakesThePodUnschedulable) {
  Snapshot s = snapshotWith({podWithPort("exporter", 9100), podWithPort("web", 8080)});
  api::Pod ds = makePod("node-exporter", {{"cpu", "10m"}});
  ds.hostPorts = {api::HostPort{"TCP", "", 9100}};
  s.daemonSets = {ds};
  auto plan = solve(s, cpuCatalog());
  ASSERT_TRUE(plan);
  ASSERT_EQ(plan->unschedulable.size(), 1u);
  EXPECT_EQ(plan->unschedulable[0].pod, "default/exporter");
  EXPECT_NE(plan->unschedulable[0].reason.find("DaemonSet binds one of its host ports"),
            std::string::npos)
      << plan->unschedulable[0].reason;
  ASSERT_EQ(plan->nodes.size(), 1u);
  EXPECT_EQ(plan->nodes[0].pods, std::vector<std::string>{"default/web"});
}

TEST(HostPorts, ConflictRuleMatchesTheNodePortsFilter) {
  const api::HostPort tcp{"TCP", "", 80};
  EXPECT_TRUE(tcp.conflictsWith(api::HostPort{"TCP", "10.1.1.1", 80}));
  EXPECT_TRUE(api::HostPort({"TCP", "10.1.1.1", 80}).conflictsWith(api::HostPort{"TCP", "0.0.0.0", 80}));
  EXPECT_FALSE(tcp.conflictsWith(api::HostPort{"UDP", "", 80}));
  EXPECT_FALSE(tcp.conflictsWith(api::HostPort{"TCP", "", 81}));
  EXPECT_FALSE(api::HostPort({"TCP", "10.1.1.1", 80}).conflictsWith(api::HostPort{"TCP", "10.1.1.2", 80}));
}

}  // namespace
}  // namespace gantry::binpack
