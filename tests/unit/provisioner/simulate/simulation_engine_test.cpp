// The engine end to end on small traces whose every time and dollar is worked out by hand from
// the defaults: batch window 1 s (idle), GPU launch 90 s, device plugin 30 s, image pull 20 s,
// NodeClaim lifecycle and disruption as the controller runs them.
#include <gtest/gtest.h>

#include <set>

#include "tests/unit/provisioner/simulate/simulate_test_support.h"

namespace gantry::provisioner::simulate::testing {
namespace {

// One training pod of 30 minutes, and the same under a pool that reaps after a minute.
const std::string kTrainingPod = "---\n" + trainingPod("30m");
const std::string kOneTrainingPod = nodePool("gpu", "1m") + kTrainingPod;

TEST(SimulationEngine, OneGpuPodLaunchesRunsAndReapsOneNode) {
  auto trace = traceOf(kOneTrainingPod);
  SimulationOutcome o = simulate(trace);
  ASSERT_EQ(o.nodes.size(), 1u);
  const NodeRecord& node = o.nodes[0];
  EXPECT_EQ(node.instanceType, "g4dn.xlarge");
  EXPECT_EQ(node.capacityType, "on-demand");
  EXPECT_EQ(node.nodePool, "gpu");
  EXPECT_EQ(node.gpus, 1);
  // The pod is judged Unschedulable at 0 s; the batch window closes 1 s later (idle) and the
  // NodeClaim is launched at once.
  EXPECT_EQ(at(o, node.launchedAt), 1.0);
  // Running at 1 + 90 s, the GPU registered 30 s later: the claim is Ready at 121 s.
  ASSERT_TRUE(node.readyAt);
  EXPECT_EQ(at(o, *node.readyAt), 121.0);

  ASSERT_EQ(o.pods.size(), 1u);
  const PodRecord& pod = o.pods[0];
  EXPECT_EQ(pod.key, "ml/train");
  EXPECT_EQ(pod.node, node.name);
  EXPECT_EQ(at(o, pod.createdAt), 0.0);
  ASSERT_TRUE(pod.boundAt && pod.startedAt && pod.finishedAt);
  EXPECT_EQ(at(o, *pod.boundAt), 121.0);
  EXPECT_EQ(at(o, *pod.startedAt), 141.0);          // + 20 s pull
  EXPECT_EQ(at(o, *pod.finishedAt), 141.0 + 1800);  // + 30 m

  // Empty from 1941 s; consolidateAfter 1m later the emptiness method reaps it.
  ASSERT_TRUE(node.terminatedAt);
  EXPECT_EQ(at(o, *node.terminatedAt), 1941.0 + 60);
  const double hours = (2001.0 - 1.0) / 3600;
  EXPECT_DOUBLE_EQ(node.cost, onDemandPrice("g4dn.xlarge") * hours);
  // By default the simulation ends an hour after the last pod finished.
  EXPECT_EQ(at(o, o.end), 1941.0 + 3600);
  // Nothing polled or slept, and every moment settled.
  EXPECT_EQ(o.sleeps, 0u);
  EXPECT_EQ(o.stalledMoments, 0u);
  EXPECT_GT(o.wakes, 0u);

  auto report = simulationReport(o);
  EXPECT_EQ(report["nodes_launched"], 1);
  EXPECT_EQ(report["nodes_reaped"], 1);
  EXPECT_EQ(report["peak_nodes"], 1);
  EXPECT_EQ(report["makespan_seconds"], 1941.0);
  EXPECT_EQ(report["pending_seconds"]["max"], 121.0);
  EXPECT_EQ(report["gpu_hours_paid"], std::round(hours * 1e6) / 1e6);
  EXPECT_EQ(report["gpu_hours_requested"], std::round((1941.0 - 121.0) / 3600 * 1e6) / 1e6);
  EXPECT_EQ(report["by_instance_type"]["g4dn.xlarge"]["nodes"], 1);
}

// No NodePool in the trace: `gantry plan`'s embedded default (on-demand, consolidateAfter 30s).
TEST(SimulationEngine, WithoutNodePoolsTheDefaultPoolIsUsed) {
  auto trace = traceOf(R"(apiVersion: v1
kind: Pod
metadata:
  name: train
  namespace: ml
  annotations: {simulate.gantry.dev/run-for: 30m}
spec:)" + kGpuContainer +
                       "\n");
  SimulationOutcome o = simulate(trace);
  ASSERT_EQ(o.nodes.size(), 1u);
  EXPECT_EQ(o.nodes[0].nodePool, "default");
  EXPECT_EQ(o.nodes[0].instanceType, "g4dn.xlarge");
  EXPECT_EQ(o.nodes[0].capacityType, "on-demand");
  ASSERT_TRUE(o.nodes[0].terminatedAt);
  EXPECT_EQ(at(o, *o.nodes[0].terminatedAt), 1941.0 + 30);
  EXPECT_DOUBLE_EQ(o.nodes[0].cost, onDemandPrice("g4dn.xlarge") * (1971.0 - 1) / 3600);
}

// A Job of three completions, one at a time: the second and third trials land on the warm node
// the moment the one before finishes and start at once (the image is already there), and the
// node goes a minute after the last.
TEST(SimulationEngine, SequentialTrialsReuseOneWarmNode) {
  auto trace = traceOf(nodePool("gpu", "1m") + R"(---
apiVersion: batch/v1
kind: Job
metadata:
  name: sweep
  namespace: ml
  annotations: {simulate.gantry.dev/run-for: 30m}
spec:
  completions: 3
  parallelism: 1
  template:
    spec:
      restartPolicy: Never)" +
                       kGpuContainer + "\n");
  SimulationOutcome o = simulate(trace);
  ASSERT_EQ(o.nodes.size(), 1u);
  ASSERT_EQ(o.pods.size(), 3u);
  const double finished[] = {1941, 1941 + 1800, 1941 + 2 * 1800};
  for (size_t i = 0; i < 3; ++i) {
    const PodRecord& pod = o.pods[i];
    ASSERT_TRUE(pod.boundAt && pod.startedAt && pod.finishedAt) << pod.key;
    EXPECT_EQ(pod.node, o.nodes[0].name);
    const double created = i == 0 ? 0 : finished[i - 1];
    EXPECT_EQ(at(o, pod.createdAt), created) << pod.key;
    EXPECT_EQ(at(o, *pod.boundAt), i == 0 ? 121 : created) << pod.key;
    EXPECT_EQ(at(o, *pod.finishedAt), finished[i]) << pod.key;
  }
  ASSERT_TRUE(o.nodes[0].terminatedAt);
  EXPECT_EQ(at(o, *o.nodes[0].terminatedAt), finished[2] + 60);
  EXPECT_DOUBLE_EQ(o.nodes[0].cost, onDemandPrice("g4dn.xlarge") * (finished[2] + 60 - 1) / 3600);
  auto report = simulationReport(o);
  EXPECT_EQ(report["pending_seconds"]["p50"], 0.0);
  EXPECT_EQ(report["pending_seconds"]["max"], 121.0);
}

TEST(SimulationEngine, SameTraceGivesByteIdenticalReports) {
  auto trace = traceOf(nodePool("gpu", "1m") + R"y(---
apiVersion: batch/v1
kind: Job
metadata:
  name: sweep
  namespace: ml
  annotations: {simulate.gantry.dev/run-for: "uniform(10m,40m)"}
spec:
  completions: 6
  parallelism: 3
  template:
    spec:
      restartPolicy: Never)y" +
                       kGpuContainer + "\n");
  const std::string first = simulationReport(simulate(trace)).dump();
  const std::string second = simulationReport(simulate(trace)).dump();
  EXPECT_EQ(first, second);
  // And the draws did happen: runs of different lengths.
  auto report = nlohmann::json::parse(first);
  ASSERT_EQ(report["pods"].size(), 6u);
  EXPECT_NE(report["pods"][0]["finished_at"], report["pods"][1]["finished_at"]);
}

}  // namespace
}  // namespace gantry::provisioner::simulate::testing

namespace gantry::provisioner::simulate::testing {
namespace {

// replicas-at: 2 pods from 0 s, 4 from 1 h, 1 from 2 h (the newest go first); the emptied
// nodes are reaped from 30 s later (the default pool), one per pass as its 10% budget allows.
// Consolidation is left out: it would move a replica onto a shared node (a new pod), which
// consolidation_in_simulation_test.cpp covers; this test pins the schedule's own timing.
TEST(SimulationEngine, DeploymentFollowsItsReplicasSchedule) {
  auto trace = traceOf(R"(apiVersion: simulate.gantry.dev/v1
kind: Simulation
metadata: {name: s}
spec:
  duration: 3h
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
  annotations: {simulate.gantry.dev/replicas-at: "0s=2,1h=4,2h=1"}
spec:
  replicas: 0
  template:
    spec:
      containers:
      - name: web
        image: nginx
        resources: {requests: {cpu: "1"}}
)");
  auto engine = SimulationEngine::make(trace, {.decisions = {.consolidate = false}});
  ASSERT_TRUE(engine.has_value());
  SimulationOutcome o = (*engine)->run();
  ASSERT_EQ(o.pods.size(), 4u);
  const std::vector<std::string> names = {"shop/web-0", "shop/web-1", "shop/web-2", "shop/web-3"};
  const double created[] = {0, 0, 3600, 3600};
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(o.pods[i].key, names[i]);
    EXPECT_EQ(at(o, o.pods[i].createdAt), created[i]) << names[i];
    ASSERT_TRUE(o.pods[i].startedAt) << names[i];
    // CPU nodes: 45 s launch (bound at +46 s: the 1 s batch window first), 20 s pull.
    EXPECT_EQ(at(o, *o.pods[i].startedAt), created[i] + 66) << names[i];
    if (i == 0) {
      EXPECT_FALSE(o.pods[i].finishedAt);  // the one replica left runs to the end
    } else {
      ASSERT_TRUE(o.pods[i].finishedAt) << names[i];
      EXPECT_EQ(at(o, *o.pods[i].finishedAt), 7200.0) << names[i];
    }
  }
  EXPECT_EQ(at(o, o.end), 3 * 3600.0);
  ASSERT_EQ(o.nodes.size(), 4u);
  std::vector<double> reaped;
  for (const auto& node : o.nodes) {
    if (node.terminatedAt) reaped.push_back(at(o, *node.terminatedAt));
  }
  std::sort(reaped.begin(), reaped.end());
  EXPECT_EQ(reaped, (std::vector<double>{7230, 7240, 7250}));
}

}  // namespace
}  // namespace gantry::provisioner::simulate::testing

namespace gantry::provisioner::simulate::testing {
namespace {

// A Katib Experiment, 2 trials at a time, 4 in all: two nodes, each reused by a second trial
// the moment its first finishes; reaped from a minute after the last trials.
TEST(SimulationEngine, KatibTrialsRunTwoAtATimeOnTwoWarmNodes) {
  auto trace = traceOf(nodePool("gpu", "1m") + R"(---
apiVersion: kubeflow.org/v1beta1
kind: Experiment
metadata:
  name: lr
  namespace: ml
  annotations: {simulate.gantry.dev/run-for: 30m}
spec:
  parallelTrialCount: 2
  maxTrialCount: 4
  objective: {type: maximize, objectiveMetricName: accuracy}
  algorithm: {algorithmName: random}
  trialTemplate:
    primaryContainerName: train
    trialSpec:
      apiVersion: batch/v1
      kind: Job
      spec:
        template:
          spec:
            restartPolicy: Never)" +
                       std::string(R"(
            containers:
            - name: train
              image: pytorch
              resources: {limits: {nvidia.com/gpu: 1}, requests: {cpu: "2", memory: 8Gi}})") +
                       "\n");
  SimulationOutcome o = simulate(trace);
  ASSERT_EQ(o.nodes.size(), 2u);
  ASSERT_EQ(o.pods.size(), 4u);
  for (size_t i = 0; i < 4; ++i) {
    const PodRecord& pod = o.pods[i];
    const double created = i < 2 ? 0 : 1941;
    ASSERT_TRUE(pod.boundAt && pod.finishedAt) << pod.key;
    EXPECT_EQ(at(o, pod.createdAt), created) << pod.key;
    EXPECT_EQ(at(o, *pod.boundAt), i < 2 ? 121 : 1941) << pod.key;
    EXPECT_EQ(at(o, *pod.finishedAt), i < 2 ? 1941 : 1941 + 1800) << pod.key;
  }
  // Each later trial lands on the node its slot's first trial left.
  EXPECT_NE(o.pods[0].node, o.pods[1].node);
  EXPECT_EQ((std::set<std::string>{o.pods[2].node, o.pods[3].node}),
            (std::set<std::string>{o.pods[0].node, o.pods[1].node}));
  // Both are Consolidatable at 3801 s (the later trials pulled nothing), but the pool's default budget (10% of 2 nodes, rounded
  // up: 1) lets one go per pass: the second goes at the next pass, 10 s later.
  std::vector<double> reaped;
  for (const auto& node : o.nodes) {
    ASSERT_TRUE(node.terminatedAt);
    reaped.push_back(at(o, *node.terminatedAt));
  }
  std::sort(reaped.begin(), reaped.end());
  EXPECT_EQ(reaped, (std::vector<double>{3801, 3811}));
}

// The pool allows one type and EC2 has none of it for the first hour: after the capacity
// errors nothing in the cluster changes, yet the provisioner plans the pod again once the
// offering's 3-minute hold has run out (it re-plans every 30 s while offerings are held back).
TEST(SimulationEngine, APodWhoseOnlyTypeHadNoCapacityIsLaunchedOnceCapacityReturns) {
  auto trace = traceOf(
      std::string("apiVersion: simulate.gantry.dev/v1\nkind: Simulation\nmetadata: {name: s}\nspec:\n"
      "  capacityErrors:\n  - {instanceType: g4dn.xlarge, from: 0s, until: 1h}\n---\n") +
      "apiVersion: gantry.dev/v1\nkind: NodePool\nmetadata: {name: gpu}\nspec:\n  template:\n"
      "    spec:\n      nodeClassRef: {group: gantry.dev, kind: EC2NodeClass, name: default}\n"
      "      requirements:\n"
      "      - {key: node.kubernetes.io/instance-type, operator: In, values: [g4dn.xlarge]}\n" +
      kTrainingPod);
  SimulationOutcome o = simulate(trace);
  ASSERT_EQ(o.pods.size(), 1u);
  ASSERT_TRUE(o.pods[0].boundAt) << "never planned again after the capacity errors";
  ASSERT_FALSE(o.nodes.empty());
  const NodeRecord& node = o.nodes.back();
  EXPECT_EQ(node.instanceType, "g4dn.xlarge");
  EXPECT_GE(at(o, node.launchedAt), 3600.0);
  EXPECT_LE(at(o, node.launchedAt), 3600.0 + 180 + 31);
}

}  // namespace
}  // namespace gantry::provisioner::simulate::testing
