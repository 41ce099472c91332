// planConsolidation over hand-built clusters: which move wins (delete, replace, multi), that
// pods never go to capacity still on its way, that GPU nodes are judged by their GPUs and CPU
// pods leave an idle GPU node for CPU capacity, budgets, and the validation re-check.
#include "provisioner/disruption/consolidation_planner.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/support/builders.h"

namespace gantry::provisioner::disruption {
namespace {

using ::testing::ElementsAre;
using ::testing::UnorderedElementsAre;
using gantry::testing::makeTypes;
using gantry::testing::resources;

api::Pod boundPod(const std::string& name, const std::string& cpu, const std::string& node,
                  const std::string& gpus = "") {
  api::Pod p;
  p.name = name;
  p.requests = resources({{"cpu", cpu}, {"memory", "256Mi"}});
  if (!gpus.empty()) p.requests.set("nvidia.com/gpu", gantry::testing::q(gpus));
  p.nodeName = node;
  p.phase = "Running";
  p.owner = {.kind = "ReplicaSet", .name = "web-1", .uid = "rs"};
  return p;
}

ClusterNode clusterNode(const std::string& name, const std::string& type, const std::string& cpu,
                        double price, int gpus = 0) {
  ClusterNode n;
  n.node.name = name;
  n.node.allocatable = resources({{"cpu", cpu}, {"memory", "8Gi"}, {"pods", "110"}});
  if (gpus > 0) n.node.allocatable.set("nvidia.com/gpu", api::Quantity::fromValue(gpus));
  n.node.labels = {{std::string(api::label::kInstanceType), type},
                   {std::string(api::label::kZone), "us-east-1a"},
                   {std::string(api::label::kArch), "amd64"},
                   {std::string(api::label::kOs), "linux"}};
  n.node.nodePool = "default";
  n.nodePool = "default";
  n.claim = "claim-" + name;
  n.pricePerHour = price;
  n.candidate = true;
  return n;
}

api::InstanceTypes cpuCatalog() {
  return makeTypes({{.name = "c.large", .cpu = "2", .memory = "8Gi", .price = 0.05},
                    {.name = "c.xlarge", .cpu = "4", .memory = "8Gi", .price = 0.10},
                    {.name = "c.2xlarge", .cpu = "8", .memory = "8Gi", .price = 0.40}});
}

ConsolidationInput inputOf(std::vector<ClusterNode> nodes) {
  ConsolidationInput in;
  in.nodes = std::move(nodes);
  in.nodePools.push_back(gantry::testing::openPool("default"));
  in.region = "us-east-1";
  return in;
}

TEST(ConsolidationPlanner, DeletesANodeWhosePodsFitOnTheOthers) {
  auto a = clusterNode("a", "c.large", "2", 0.05);
  a.candidate = false;  // not consolidatable yet; still a target
  a.pods = {boundPod("p1", "1", "a")};
  auto b = clusterNode("b", "c.large", "2", 0.05);
  b.pods = {boundPod("p2", "500m", "b")};
  auto move = planConsolidation(inputOf({a, b}), cpuCatalog());
  ASSERT_TRUE(move.has_value());
  EXPECT_EQ(move->kind, MoveKind::kDelete);
  EXPECT_THAT(move->nodes, ElementsAre("b"));
  EXPECT_THAT(move->claims, ElementsAre("claim-b"));
  EXPECT_FALSE(move->replacement.has_value());
  EXPECT_DOUBLE_EQ(move->savingsPerHour(), 0.05);
  EXPECT_THAT(move->pods.at("b"), ElementsAre("default/p2"));
}

TEST(ConsolidationPlanner, ReplacesANodeWithOneCheaperNode) {
  auto big = clusterNode("big", "c.2xlarge", "8", 0.40);
  big.pods = {boundPod("p1", "1", "big")};
  auto move = planConsolidation(inputOf({big}), cpuCatalog());
  ASSERT_TRUE(move.has_value());
  EXPECT_EQ(move->kind, MoveKind::kReplace);
  ASSERT_TRUE(move->replacement.has_value());
  EXPECT_EQ(move->replacement->instanceType, "c.large");
  EXPECT_NEAR(move->savingsPerHour(), 0.35, 1e-9);
  EXPECT_NE(move->summary.find("c.large"), std::string::npos);
}

TEST(ConsolidationPlanner, NoMoveWhenNothingIsCheaper) {
  auto a = clusterNode("a", "c.large", "2", 0.05);
  a.pods = {boundPod("p1", "1500m", "a")};
  EXPECT_FALSE(planConsolidation(inputOf({a}), cpuCatalog()).has_value());
}

TEST(ConsolidationPlanner, FourHalfEmptyNodesBecomeTwoByTheCheapestMove) {
  // The e2e scenario: a Deployment scaled from 8 to 4 pods of 900m leaves four 2-vCPU nodes
  // holding one pod each. Taking two away puts their pods beside the other two (saving two
  // nodes, $0.10/h); taking three or four needs a new node and saves no more, so the move
  // that launches nothing wins.
  std::vector<ClusterNode> nodes;
  for (std::string n : {"n1", "n2", "n3", "n4"}) {
    auto node = clusterNode(n, "c.large", "2", 0.05);
    node.pods = {boundPod("p-" + n, "900m", n)};
    nodes.push_back(node);
  }
  auto move = planConsolidation(inputOf(nodes), cpuCatalog());
  ASSERT_TRUE(move.has_value());
  EXPECT_EQ(move->kind, MoveKind::kMulti);
  EXPECT_EQ(move->nodes.size(), 2u);
  EXPECT_FALSE(move->replacement.has_value());
  EXPECT_NEAR(move->savingsPerHour(), 0.10, 1e-9);
}

TEST(ConsolidationPlanner, MultiNodeMoveBuysAtMostOneNode) {
  // Three 8-vCPU nodes at 1 vCPU each: all three become one 4-vCPU node. (c.xlarge is a little
  // cheaper than two c.large here: at exactly twice the price the solver's greedy packing
  // opens two c.large for the three pods, and the multi-node move is not found; see the
  // report of issue 15.)
  auto catalog = makeTypes({{.name = "c.large", .cpu = "2", .memory = "8Gi", .price = 0.05},
                            {.name = "c.xlarge", .cpu = "4", .memory = "8Gi", .price = 0.09},
                            {.name = "c.2xlarge", .cpu = "8", .memory = "8Gi", .price = 0.40}});
  std::vector<ClusterNode> nodes;
  for (std::string n : {"n1", "n2", "n3"}) {
    auto node = clusterNode(n, "c.2xlarge", "8", 0.40);
    node.pods = {boundPod("p-" + n, "1", n)};
    nodes.push_back(node);
  }
  auto move = planConsolidation(inputOf(nodes), catalog);
  ASSERT_TRUE(move.has_value());
  EXPECT_EQ(move->kind, MoveKind::kMulti);
  EXPECT_EQ(move->nodes.size(), 3u);
  ASSERT_TRUE(move->replacement.has_value());
  EXPECT_EQ(move->replacement->instanceType, "c.xlarge");
  EXPECT_NEAR(move->savingsPerHour(), 1.20 - 0.09, 1e-9);
}

TEST(ConsolidationPlanner, NeverMovesPodsOntoCapacityStillOnItsWay) {
  auto a = clusterNode("a", "c.large", "2", 0.05);
  a.pods = {boundPod("p1", "500m", "a")};
  auto booting = clusterNode("booting", "c.2xlarge", "8", 0.40);
  booting.candidate = false;
  booting.target = false;  // in flight / not initialized
  EXPECT_FALSE(planConsolidation(inputOf({a, booting}), cpuCatalog()).has_value());
  booting.target = true;
  auto move = planConsolidation(inputOf({a, booting}), cpuCatalog());
  ASSERT_TRUE(move.has_value());
  EXPECT_EQ(move->kind, MoveKind::kDelete);
}

TEST(ConsolidationPlanner, IdleGpuNodeRunningACpuPodMovesItToCpuCapacity) {
  auto catalog = makeTypes({{.name = "c.large", .cpu = "2", .memory = "8Gi", .price = 0.05},
                            {.name = "g.xlarge", .cpu = "4", .memory = "8Gi", .price = 0.53,
                             .gpus = 1}});
  auto gpu = clusterNode("gpu", "g.xlarge", "4", 0.53, 1);
  gpu.pods = {boundPod("helper", "250m", "gpu")};  // the trial finished; its helper stayed
  auto move = planConsolidation(inputOf({gpu}), catalog);
  ASSERT_TRUE(move.has_value());
  EXPECT_EQ(move->kind, MoveKind::kReplace);
  ASSERT_TRUE(move->replacement.has_value());
  EXPECT_EQ(move->replacement->instanceType, "c.large");
  EXPECT_NEAR(move->savingsPerHour(), 0.48, 1e-9);
}

TEST(ConsolidationPlanner, GpuPodGoesToTheSmallestGpuNodeThatFits) {
  auto catalog = makeTypes({{.name = "g.xlarge", .cpu = "4", .memory = "8Gi", .price = 0.53,
                             .gpus = 1},
                            {.name = "g.12xlarge", .cpu = "48", .memory = "8Gi", .price = 3.9,
                             .gpus = 4}});
  auto big = clusterNode("big", "g.12xlarge", "48", 3.9, 4);
  big.pods = {boundPod("trainer", "2", "big", "1")};
  auto move = planConsolidation(inputOf({big}), catalog);
  ASSERT_TRUE(move.has_value());
  ASSERT_TRUE(move->replacement.has_value());
  EXPECT_EQ(move->replacement->instanceType, "g.xlarge");
}

TEST(ConsolidationPlanner, EmptiestCandidateFirstJudgesGpuNodesByTheirGpus) {
  // Only one single-node simulation is allowed: it must go to the GPU node, whose GPUs are
  // idle although its CPUs are busier than the CPU node's.
  auto catalog = makeTypes({{.name = "c.large", .cpu = "2", .memory = "8Gi", .price = 0.05},
                            {.name = "c.xlarge", .cpu = "4", .memory = "8Gi", .price = 0.10},
                            {.name = "g.xlarge", .cpu = "4", .memory = "8Gi", .price = 0.53,
                             .gpus = 1}});
  auto cpu = clusterNode("cpu", "c.xlarge", "4", 0.10);
  cpu.pods = {boundPod("a", "1", "cpu")};
  auto gpu = clusterNode("gpu", "g.xlarge", "4", 0.53, 1);
  gpu.pods = {boundPod("b", "3", "gpu")};
  ConsolidationOptions options;
  options.maxSingleNodeCandidates = 1;
  options.maxMultiNodeCandidates = 0;
  auto move = planConsolidation(inputOf({cpu, gpu}), catalog, options);
  ASSERT_TRUE(move.has_value());
  EXPECT_THAT(move->nodes, ElementsAre("gpu"));
}

TEST(ConsolidationPlanner, BudgetsCapHowManyNodesOneMoveTakes) {
  std::vector<ClusterNode> nodes;
  for (std::string n : {"n1", "n2", "n3"}) {
    auto node = clusterNode(n, "c.2xlarge", "8", 0.40);
    node.pods = {boundPod("p-" + n, "1", n)};
    nodes.push_back(node);
  }
  auto in = inputOf(nodes);
  in.allowed["default"] = 1;
  auto move = planConsolidation(in, cpuCatalog());
  ASSERT_TRUE(move.has_value());
  EXPECT_EQ(move->nodes.size(), 1u);
  in.allowed["default"] = 0;
  EXPECT_FALSE(planConsolidation(in, cpuCatalog()).has_value());
}

TEST(ConsolidationPlanner, RevalidationDropsAMoveTheClusterNoLongerAllows) {
  auto a = clusterNode("a", "c.large", "2", 0.05);
  a.candidate = false;
  a.pods = {boundPod("p1", "1", "a")};
  auto b = clusterNode("b", "c.large", "2", 0.05);
  b.pods = {boundPod("p2", "500m", "b")};
  auto in = inputOf({a, b});
  auto move = planConsolidation(in, cpuCatalog());
  ASSERT_TRUE(move.has_value());
  EXPECT_TRUE(revalidate(in, *move, cpuCatalog()).has_value());
  // A pod landed on `a` meanwhile: b's pod would now need a new node, which saves nothing.
  in.nodes[0].pods.push_back(boundPod("p3", "800m", "a"));
  EXPECT_FALSE(revalidate(in, *move, cpuCatalog()).has_value());
  // Or `b` stopped being a candidate (a do-not-disrupt pod arrived).
  auto in2 = inputOf({a, b});
  in2.nodes[1].candidate = false;
  EXPECT_FALSE(revalidate(in2, *move, cpuCatalog()).has_value());
}

TEST(ConsolidationPlanner, RevalidationRefusesADearerReplacement) {
  auto big = clusterNode("big", "c.2xlarge", "8", 0.40);
  big.pods = {boundPod("p1", "1", "big")};
  auto in = inputOf({big});
  auto move = planConsolidation(in, cpuCatalog());
  ASSERT_TRUE(move.has_value());
  // The pod grew (a new revision): it needs c.xlarge now, dearer than the decided c.large.
  in.nodes[0].pods[0].requests.set("cpu", gantry::testing::q("3"));
  EXPECT_FALSE(revalidate(in, *move, cpuCatalog()).has_value());
}

}  // namespace
}  // namespace gantry::provisioner::disruption
