// Behaviour of the solver on small, hand-checkable inputs: cheapest types, constraints,
// limits, pools, existing capacity, reasons for pods that cannot be placed.
#include "binpack/solver.h"

#include <gtest/gtest.h>

#include "tests/support/builders.h"
#include "tests/unit/binpack/solver_test_support.h"

namespace gantry::binpack {
namespace {

using testing::makePod;
using testing::makeTypes;
using testing::openPool;
using testing::gpuCatalog;
using testing::snapshotWith;

const PlannedNode* nodeWith(const Plan& plan, const std::string& pod) {
  for (const auto& n : plan.nodes) {
    for (const auto& p : n.pods) {
      if (p == pod) return &n;
    }
  }
  return nullptr;
}

TEST(Solver, ThreeGpuPodsGetThreeCheapestNvidiaNodes) {
  auto types = gpuCatalog();
  Snapshot s = snapshotWith({makePod("t0", {{"cpu", "2"}, {"nvidia.com/gpu", "1"}}),
                             makePod("t1", {{"cpu", "2"}, {"nvidia.com/gpu", "1"}}),
                             makePod("t2", {{"cpu", "2"}, {"nvidia.com/gpu", "1"}})});
  auto plan = solve(s, types);
  ASSERT_TRUE(plan) << plan.error().toString();
  ASSERT_EQ(plan->nodes.size(), 3u);
  for (const auto& n : plan->nodes) {
    EXPECT_EQ(n.instanceType, "g.xlarge");
    EXPECT_EQ(n.pods.size(), 1u);
    // The AMD type is cheaper but has no nvidia.com/gpu.
    EXPECT_EQ(std::count(n.instanceTypeOptions.begin(), n.instanceTypeOptions.end(), "amd.xlarge"), 0);
  }
  EXPECT_NEAR(plan->totalPricePerHour, 3 * 0.526, 1e-9);
  EXPECT_NEAR(plan->lowerBoundPerHour, 3 * 0.526, 1e-9);
  EXPECT_TRUE(plan->unschedulable.empty());
}

TEST(Solver, TooManyGpusIsUnschedulableWithAReadableReason) {
  auto types = gpuCatalog();
  auto plan = solve(snapshotWith({makePod("big", {{"nvidia.com/gpu", "100"}})}), types);
  ASSERT_TRUE(plan);
  ASSERT_EQ(plan->unschedulable.size(), 1u);
  EXPECT_EQ(plan->unschedulable[0].pod, "default/big");
  EXPECT_EQ(plan->unschedulable[0].reason,
            "needs nvidia.com/gpu=100; the largest allowed instance type in NodePool default has 8");
  EXPECT_TRUE(plan->nodes.empty());
}

TEST(Solver, CpuPodsPackOntoCheapestCombination) {
  auto types = gpuCatalog();
  std::vector<api::Pod> pods;
  for (int i = 0; i < 4; ++i) pods.push_back(makePod("p" + std::to_string(i), {{"cpu", "1"}, {"memory", "2Gi"}}));
  auto plan = solve(snapshotWith(pods), types);
  ASSERT_TRUE(plan);
  // 4 vCPU fit one c.xlarge exactly: $0.16, the same as two c.large; either is optimal.
  EXPECT_NEAR(plan->totalPricePerHour, 0.16, 1e-9);
  for (const auto& n : plan->nodes) EXPECT_NE(n.instanceType.substr(0, 1), "g") << "no GPU node for CPU pods";
}

TEST(Solver, CpuPodOfAnotherOwnerDoesNotShareAGpuNode) {
  auto types = gpuCatalog();
  api::Pod gpu = makePod("train", {{"cpu", "1"}, {"nvidia.com/gpu", "1"}});
  gpu.owner = {"Job", "train", ""};
  api::Pod web = makePod("web", {{"cpu", "1"}});
  web.owner = {"ReplicaSet", "web", ""};
  api::Pod helper = makePod("train-helper", {{"cpu", "1"}});
  helper.owner = {"Job", "train", ""};
  auto plan = solve(snapshotWith({gpu, web, helper}), types);
  ASSERT_TRUE(plan);
  const PlannedNode* gpuNode = nodeWith(*plan, "default/train");
  const PlannedNode* webNode = nodeWith(*plan, "default/web");
  ASSERT_TRUE(gpuNode && webNode);
  EXPECT_NE(gpuNode, webNode);
  EXPECT_EQ(gpuNode->instanceType, "g.xlarge");
  // The same job's CPU pod may ride along on the GPU node or share the web node; either
  // costs nothing extra, so only two nodes are bought.
  EXPECT_NE(nodeWith(*plan, "default/train-helper"), nullptr);
  EXPECT_NEAR(plan->totalPricePerHour, 0.526 + 0.08, 1e-9);
}

TEST(Solver, SameJobCpuPodRidesOnTheGpuNodeButOthersDoNot) {
  auto types = gpuCatalog();
  api::Pod gpu = makePod("train", {{"cpu", "1"}, {"nvidia.com/gpu", "1"}});
  gpu.owner = {"Job", "train", ""};
  api::Pod helper = makePod("train-helper", {{"cpu", "1"}});
  helper.owner = {"Job", "train", ""};
  auto plan = solve(snapshotWith({gpu, helper}), types);
  ASSERT_TRUE(plan);
  ASSERT_EQ(plan->nodes.size(), 1u);
  EXPECT_EQ(plan->nodes[0].pods.size(), 2u);

  helper.owner = {"ReplicaSet", "web", ""};
  plan = solve(snapshotWith({gpu, helper}), types);
  ASSERT_TRUE(plan);
  EXPECT_EQ(plan->nodes.size(), 2u) << "a GPU node must stay reapable when its job ends";
}

TEST(Solver, TaintedPoolNeedsToleration) {
  auto types = gpuCatalog();
  Snapshot s = snapshotWith({makePod("p", {{"cpu", "1"}})});
  s.nodePools[0].taints = {{"dedicated", "ml", api::TaintEffect::kNoSchedule}};
  auto plan = solve(s, types);
  ASSERT_TRUE(plan);
  ASSERT_EQ(plan->unschedulable.size(), 1u);
  EXPECT_EQ(plan->unschedulable[0].reason,
            "NodePool default has taint dedicated=ml:NoSchedule that the pod does not tolerate");

  s.pods[0].tolerations = {{"dedicated", api::Toleration::Op::kEqual, "ml", std::nullopt, std::nullopt}};
  plan = solve(s, types);
  ASSERT_TRUE(plan);
  EXPECT_TRUE(plan->unschedulable.empty());
  EXPECT_EQ(plan->nodes.size(), 1u);
}

TEST(Solver, ZoneSelectorPinsTheZone) {
  auto types = gpuCatalog();
  api::Pod p = makePod("p", {{"cpu", "1"}});
  p.nodeSelector = {{"topology.kubernetes.io/zone", "us-east-1b"}};
  auto plan = solve(snapshotWith({p}), types);
  ASSERT_TRUE(plan);
  ASSERT_EQ(plan->nodes.size(), 1u);
  EXPECT_EQ(plan->nodes[0].zones, std::vector<std::string>{"us-east-1b"});
}

TEST(Solver, NodeAffinityOnInstanceFamilyIsHonoured) {
  auto types = gpuCatalog();
  api::Pod p = makePod("p", {{"nvidia.com/gpu", "1"}});
  p.requiredNodeAffinity.terms = {{{{"gantry.dev/instance-family", api::SelectorOp::kIn, {"p"}}}}};
  auto plan = solve(snapshotWith({p}), types);
  ASSERT_TRUE(plan);
  ASSERT_EQ(plan->nodes.size(), 1u);
  EXPECT_EQ(plan->nodes[0].instanceType, "p.24xlarge");
}

TEST(Solver, NodePoolGpuLimitStopsTheThirdNode) {
  auto types = gpuCatalog();
  Snapshot s = snapshotWith({makePod("t0", {{"nvidia.com/gpu", "1"}}),
                             makePod("t1", {{"nvidia.com/gpu", "1"}}),
                             makePod("t2", {{"nvidia.com/gpu", "1"}})});
  s.nodePools[0].limits.set("nvidia.com/gpu", testing::q("2"));
  auto plan = solve(s, types);
  ASSERT_TRUE(plan);
  EXPECT_EQ(plan->nodes.size(), 2u);
  ASSERT_EQ(plan->unschedulable.size(), 1u);
  EXPECT_EQ(plan->unschedulable[0].reason,
            "NodePool default limit nvidia.com/gpu=2 would be exceeded by any node that fits the pod");
}

TEST(Solver, LimitAccountsForUsageAlreadyLaunched) {
  auto types = gpuCatalog();
  Snapshot s = snapshotWith({makePod("t0", {{"nvidia.com/gpu", "1"}})});
  s.nodePools[0].limits.set("nvidia.com/gpu", testing::q("2"));
  s.nodePoolUsage["default"].set("nvidia.com/gpu", testing::q("2"));
  auto plan = solve(s, types);
  ASSERT_TRUE(plan);
  EXPECT_TRUE(plan->nodes.empty());
  EXPECT_EQ(plan->unschedulable.size(), 1u);
}

TEST(Solver, HigherWeightPoolWinsOverCheaperOne) {
  auto types = gpuCatalog();
  Snapshot s = snapshotWith({makePod("p", {{"cpu", "1"}})});
  api::NodePool big = openPool("big");
  big.weight = 50;
  big.requirements = {{"node.kubernetes.io/instance-type", api::SelectorOp::kIn, {"c.4xlarge"}}};
  s.nodePools.push_back(big);
  auto plan = solve(s, types);
  ASSERT_TRUE(plan);
  ASSERT_EQ(plan->nodes.size(), 1u);
  EXPECT_EQ(plan->nodes[0].nodePool, "big");
  EXPECT_EQ(plan->nodes[0].instanceType, "c.4xlarge");
}

TEST(Solver, ExistingCapacityIsUsedBeforeNewNodes) {
  auto types = gpuCatalog();
  Snapshot s = snapshotWith({makePod("p", {{"cpu", "1"}}), makePod("q", {{"cpu", "3"}})});
  api::Node node;
  node.name = "node-a";
  node.allocatable = testing::resources({{"cpu", "2"}, {"memory", "4Gi"}, {"pods", "10"}});
  node.labels = {{"topology.kubernetes.io/zone", "us-east-1a"}};
  s.nodes.push_back(node);
  auto plan = solve(s, types);
  ASSERT_TRUE(plan);
  ASSERT_EQ(plan->existing.size(), 1u);
  EXPECT_EQ(plan->existing[0].pod, "default/p");
  EXPECT_EQ(plan->existing[0].node, "node-a");
  ASSERT_EQ(plan->nodes.size(), 1u);
  EXPECT_EQ(plan->nodes[0].pods, std::vector<std::string>{"default/q"});
}

TEST(Solver, InFlightNodeAbsorbsPodsSoNothingIsLaunchedTwice) {
  auto types = gpuCatalog();
  Snapshot s = snapshotWith({makePod("t0", {{"nvidia.com/gpu", "1"}})});
  api::Node claim;
  claim.name = "nodeclaim-1";
  claim.inFlight = true;
  claim.ready = false;
  claim.allocatable = testing::resources({{"cpu", "4"}, {"memory", "16Gi"}, {"nvidia.com/gpu", "1"}});
  s.nodes.push_back(claim);
  auto plan = solve(s, types);
  ASSERT_TRUE(plan);
  EXPECT_TRUE(plan->nodes.empty());
  ASSERT_EQ(plan->existing.size(), 1u);
  EXPECT_TRUE(plan->existing[0].inFlight);
}

TEST(Solver, SpotIsChosenWhenAllowedAndCheaper) {
  auto types = makeTypes({{"c.large", "2", "4Gi", 0.08, 0, "NVIDIA", {"us-east-1a"}, true}});
  Snapshot s = snapshotWith({makePod("p", {{"cpu", "1"}})});
  auto plan = solve(s, types);
  ASSERT_TRUE(plan);
  EXPECT_EQ(plan->nodes[0].capacityType, "spot");
  s.nodePools[0].requirements = {{"karpenter.sh/capacity-type", api::SelectorOp::kIn, {"on-demand"}}};
  plan = solve(s, types);
  ASSERT_TRUE(plan);
  EXPECT_EQ(plan->nodes[0].capacityType, "on-demand");
}

TEST(Solver, SameInputSameOutput) {
  auto types = gpuCatalog();
  std::vector<api::Pod> pods;
  for (int i = 0; i < 40; ++i) {
    pods.push_back(makePod("p" + std::to_string(i), {{"cpu", std::to_string(100 + 37 * i % 900) + "m"},
                                                     {"memory", std::to_string(1 + i % 5) + "Gi"}}));
  }
  auto a = solve(snapshotWith(pods), types);
  auto b = solve(snapshotWith(pods), types);
  ASSERT_TRUE(a && b);
  ASSERT_EQ(a->nodes.size(), b->nodes.size());
  for (size_t i = 0; i < a->nodes.size(); ++i) {
    EXPECT_EQ(a->nodes[i].instanceType, b->nodes[i].instanceType);
    EXPECT_EQ(a->nodes[i].pods, b->nodes[i].pods);
    EXPECT_EQ(a->nodes[i].zones, b->nodes[i].zones);
  }
}

TEST(Solver, TooManyResourceNamesIsAnError) {
  auto types = gpuCatalog();
  api::Pod p = makePod("p", {{"cpu", "1"}});
  for (int i = 0; i < 20; ++i) p.requests.set("example.com/r" + std::to_string(i), testing::q("1"));
  auto plan = solve(snapshotWith({p}), types);
  ASSERT_FALSE(plan);
  EXPECT_TRUE(plan.error().isInvalid());
}

}  // namespace
}  // namespace gantry::binpack

namespace gantry::binpack {
namespace {

TEST(Solver, PoolRequirementOnATypeLabelFiltersTypesInsteadOfLabellingNodes) {
  // A requirement on a key that some types carry filters them; it must not be mistaken for
  // a label the pool adds to every node (which would make it match everything).
  auto types = testing::makeTypes({{"old.large", "2", "4Gi", 0.01}, {"new.large", "2", "4Gi", 0.09}});
  types[0].labels["gantry.dev/instance-current-generation"] = "false";
  types[1].labels["gantry.dev/instance-current-generation"] = "true";
  Snapshot s;
  s.pods = {testing::makePod("p", {{"cpu", "1"}})};
  s.nodePools = {api::NodePool::defaultPool()};
  auto plan = solve(s, types);
  ASSERT_TRUE(plan);
  ASSERT_EQ(plan->nodes.size(), 1u);
  EXPECT_EQ(plan->nodes[0].instanceType, "new.large");
}

TEST(Solver, PoolRequirementOnAnUnknownKeyBecomesANodeLabel) {
  auto types = testing::makeTypes({{"c.large", "2", "4Gi", 0.08}});
  Snapshot s;
  api::Pod p = testing::makePod("p", {{"cpu", "1"}});
  p.nodeSelector = {{"team", "ml"}};
  s.pods = {p};
  api::NodePool pool = testing::openPool();
  pool.requirements = {{"team", api::SelectorOp::kIn, {"ml"}}};
  s.nodePools = {pool};
  auto plan = solve(s, types);
  ASSERT_TRUE(plan);
  EXPECT_EQ(plan->nodes.size(), 1u);
}

}  // namespace
}  // namespace gantry::binpack
