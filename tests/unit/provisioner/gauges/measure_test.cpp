// The cluster-state gauge definitions: pending pods by reason, Gantry's nodes by type,
// NodePool usage and limits, GPUs offered against GPUs requested, the hourly price of the
// launched claims, and what is left out (other pools' nodes, finished pods).
#include "provisioner/gauges/measure.h"

#include <gtest/gtest.h>

#include "tests/unit/provisioner/gauges/gauges_fixture.h"

namespace gantry::provisioner::gauges {
namespace {

using namespace testing;
using gantry::testing::makePod;
using gantry::testing::makeTypes;

TEST(MeasureTest, PendingPodsByReasonAlwaysShowAllThreeReasons) {
  EXPECT_EQ(measure({}).podsPending,
            (Series{{{{"reason", "unschedulable"}}, 0}, {{{"reason", "nominated"}}, 0},
                    {{{"reason", "gated"}}, 0}}));

  ClusterState state;
  state.pods.push_back(pod(makePod("waiting", {{"cpu", "1"}})));
  state.pods.push_back(pod(makePod("planned", {{"cpu", "1"}})));
  api::Pod gated = makePod("gated", {{"cpu", "1"}});
  gated.schedulingGated = true;
  gated.unschedulable = false;
  state.pods.push_back(pod(gated));
  api::Pod preempting = makePod("preempting", {{"cpu", "1"}});
  preempting.nominatedNodeName = "node-a";
  state.nodes.push_back(gantryNode("node-a", "gpu", "g4dn.xlarge", "us-east-1a", 1));
  state.pods.push_back(pod(preempting));
  api::Pod fresh = makePod("fresh", {{"cpu", "1"}});
  fresh.unschedulable = false;  // the scheduler has not judged it yet: not counted
  state.pods.push_back(pod(fresh));
  state.pods.push_back(boundGpuPod("running", "node-a"));
  state.nominatedPods = {"default/planned"};

  const GaugeValues v = measure(state);
  EXPECT_EQ(v.podsPending.at({{"reason", "unschedulable"}}), 1);
  EXPECT_EQ(v.podsPending.at({{"reason", "nominated"}}), 2);
  EXPECT_EQ(v.podsPending.at({{"reason", "gated"}}), 1);
}

TEST(MeasureTest, NodesGpusAndPriceOfGantrysPoolsOnly) {
  ClusterState state;
  state.nodePools = {pool("gpu", gantry::testing::resources({{"nvidia.com/gpu", "8"}, {"cpu", "100"}}))};
  state.catalog = std::make_shared<const api::InstanceTypes>(
      makeTypes({{.name = "g4dn.xlarge", .cpu = "4", .memory = "16Gi", .price = 0.526, .gpus = 1,
                  .spot = true}}));
  state.nodeClaims = {launchedClaim("gpu-a", "gpu", "g4dn.xlarge", "us-east-1a"),
                      launchedClaim("gpu-b", "gpu", "g4dn.xlarge", "us-east-1b"),
                      launchedClaim("gpu-c", "gpu", "g4dn.xlarge", "us-east-1a", "spot")};
  state.nodes = {gantryNode("a", "gpu", "g4dn.xlarge", "us-east-1a", 1),
                 gantryNode("b", "gpu", "g4dn.xlarge", "us-east-1b", 1),
                 gantryNode("c", "gpu", "g4dn.xlarge", "us-east-1a", 1, "spot"),
                 gantryNode("theirs", "another-controllers-pool", "g5.xlarge", "us-east-1a", 1)};
  state.pods = {boundGpuPod("t0", "a"), boundGpuPod("t1", "b"), boundGpuPod("done", "c", "Succeeded"),
                boundGpuPod("elsewhere", "theirs")};
  state.unavailableOfferings = 2;

  const GaugeValues v = measure(state);
  EXPECT_EQ(v.nodes, (Series{{{{"nodepool", "gpu"}, {"instance_type", "g4dn.xlarge"},
                               {"capacity_type", "on-demand"}, {"zone", "us-east-1a"}}, 1},
                             {{{"nodepool", "gpu"}, {"instance_type", "g4dn.xlarge"},
                               {"capacity_type", "on-demand"}, {"zone", "us-east-1b"}}, 1},
                             {{{"nodepool", "gpu"}, {"instance_type", "g4dn.xlarge"},
                               {"capacity_type", "spot"}, {"zone", "us-east-1a"}}, 1}}));
  EXPECT_EQ(v.gpusAllocatable, (Series{{{{"nodepool", "gpu"}}, 3}}));
  EXPECT_EQ(v.gpusRequested, (Series{{{{"nodepool", "gpu"}}, 2}}));  // the finished pod's is free
  EXPECT_EQ(v.clusterPrice.size(), 2u);
  EXPECT_NEAR(v.clusterPrice.at({{"nodepool", "gpu"}, {"capacity_type", "on-demand"}}), 2 * 0.526, 1e-9);
  EXPECT_NEAR(v.clusterPrice.at({{"nodepool", "gpu"}, {"capacity_type", "spot"}}), 0.263, 1e-9);
  EXPECT_EQ(v.nodePoolUsage.at({{"nodepool", "gpu"}, {"resource", "nvidia.com/gpu"}}), 3);
  EXPECT_EQ(v.nodePoolUsage.at({{"nodepool", "gpu"}, {"resource", "nodes"}}), 3);
  EXPECT_EQ(v.nodePoolUsage.at({{"nodepool", "gpu"}, {"resource", "memory"}}), 3 * 16.0 * (1 << 30));
  EXPECT_EQ(v.nodePoolLimit, (Series{{{{"nodepool", "gpu"}, {"resource", "nvidia.com/gpu"}}, 8},
                                     {{{"nodepool", "gpu"}, {"resource", "cpu"}}, 100}}));
  EXPECT_EQ(v.unavailableOfferings, 2);
}

TEST(MeasureTest, APoolWithoutNodesShowsZeroGpusAndNoPriceUntilLaunched) {
  ClusterState state;
  state.nodePools = {pool("gpu")};
  api::NodeClaim planned = *launchedClaim("gpu-a", "gpu", "g4dn.xlarge", "us-east-1a");
  planned.conditions.clear();  // created, not launched: nothing paid yet
  state.nodeClaims = {std::make_shared<const api::NodeClaim>(planned)};
  const GaugeValues v = measure(state);
  EXPECT_EQ(v.gpusAllocatable, (Series{{{{"nodepool", "gpu"}}, 0}}));
  EXPECT_EQ(v.gpusRequested, (Series{{{{"nodepool", "gpu"}}, 0}}));
  EXPECT_TRUE(v.nodes.empty());
  EXPECT_TRUE(v.clusterPrice.empty());
  EXPECT_TRUE(v.nodePoolLimit.empty());
}

TEST(MeasureTest, DriftedClaimsByPoolNotCountingThoseAlreadyDeleting) {
  ClusterState state;
  state.nodePools = {pool("gpu"), pool("cpu")};
  auto mark = [](api::NodeClaim c, bool deleting) {
    c.setCondition(api::nodeclaim::kDrifted, api::ConditionStatus::kTrue, "ImageDrift", "", {});
    if (deleting) c.deletionTimestamp = Clock::TimePoint{};
    return std::make_shared<const api::NodeClaim>(std::move(c));
  };
  state.nodeClaims = {mark(*launchedClaim("gpu-a", "gpu", "g4dn.xlarge", "us-east-1a"), false),
                      mark(*launchedClaim("gpu-b", "gpu", "g4dn.xlarge", "us-east-1a"), false),
                      mark(*launchedClaim("gpu-c", "gpu", "g4dn.xlarge", "us-east-1a"), true),
                      launchedClaim("gpu-d", "gpu", "g4dn.xlarge", "us-east-1a")};
  const GaugeValues v = measure(state);
  EXPECT_EQ(v.nodeClaimsDrifted, (Series{{{{"nodepool", "cpu"}}, 0}, {{{"nodepool", "gpu"}}, 2}}));
}

}  // namespace
}  // namespace gantry::provisioner::gauges
