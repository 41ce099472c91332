// Spot reclaims reaching the simulated cluster, worked out by hand from the defaults: the
// reclaimed node's kubelet dies with it, garbage collection (every 30 s from 0 s, 30 s grace)
// deletes the NodeClaim, its termination drains the dead node, and the pods' owners replace
// them; the replacement's work starts over. Batch window 1 s, GPU launch 90 s, device plugin
// 30 s, image pull 20 s. The reclaim time itself is the seeded draw: the tests read it off the
// node's end and check everything that follows from it.
#include <gtest/gtest.h>

#include <cmath>

#include "tests/unit/provisioner/simulate/simulate_test_support.h"

namespace gantry::provisioner::simulate::testing {
namespace {

std::string spotPool() {
  std::string pool = nodePool("gpu", "1m");
  const std::string arch = "      - {key: kubernetes.io/arch, operator: In, values: [amd64]}\n";
  pool.insert(pool.find(arch) + arch.size(),
              "      - {key: gantry.dev/capacity-type, operator: In, values: [spot]}\n");
  return pool;
}

std::string simulation(double interruptionsPerHour, int seed) {
  return "apiVersion: simulate.gantry.dev/v1\nkind: Simulation\nmetadata: {name: s}\nspec:\n"
         "  seed: " + std::to_string(seed) + "\n  spotInterruptionsPerHour: " +
         std::to_string(interruptionsPerHour) + "\n---\n";
}

const PodRecord* podNamed(const SimulationOutcome& o, const std::string& key) {
  for (const auto& p : o.pods) {
    if (p.key == key) return &p;
  }
  return nullptr;
}

const NodeRecord* nodeNamed(const SimulationOutcome& o, const std::string& name) {
  for (const auto& n : o.nodes) {
    if (n.name == name) return &n;
  }
  return nullptr;
}

// The first garbage-collection pass at or after `t` (passes run every 30 s from 0 s).
double nextGcPass(double t) { return std::ceil(t / 30) * 30; }

std::string trainingPodTrace() {
  return simulation(1.0, 1) + spotPool() + R"(---
apiVersion: v1
kind: Pod
metadata:
  name: train
  namespace: ml
  annotations: {simulate.gantry.dev/run-for: 2h}
spec:)" + kGpuContainer + "\n";
}

SimulationOutcome simulateWithNotices(bool notices) {
  const auto trace = traceOf(trainingPodTrace());  // the engine keeps a reference
  auto engine = SimulationEngine::make(trace, {.decisions = {.interruptionNotices = notices}});
  EXPECT_TRUE(engine.has_value());
  return engine ? (*engine)->run() : SimulationOutcome{};
}

// Checks the replacement of ml/train, evicted at `evictedAt`: made then, on a new node (batch
// 1 s, launch 90 s, GPU 30 s), then the pull and the whole 2 h; and the report's counts.
void expectReplacedAt(const SimulationOutcome& o, double evictedAt) {
  const PodRecord* first = podNamed(o, "ml/train");
  const PodRecord* second = podNamed(o, "ml/train-r1");
  ASSERT_TRUE(first && second && first->finishedAt);
  EXPECT_NEAR(at(o, *first->finishedAt), evictedAt, 1e-6);
  EXPECT_NEAR(at(o, second->createdAt), evictedAt, 1e-6);
  ASSERT_TRUE(second->boundAt && second->startedAt);
  EXPECT_NE(second->node, first->node);
  EXPECT_NEAR(at(o, *second->boundAt), evictedAt + 121, 1e-6);
  EXPECT_NEAR(at(o, *second->startedAt), evictedAt + 141, 1e-6);
  if (!podNamed(o, "ml/train-r2")) {
    ASSERT_TRUE(second->finishedAt);
    EXPECT_NEAR(at(o, *second->finishedAt), evictedAt + 141 + 7200, 1e-6);
  }
  auto report = simulationReport(o);
  const size_t replacements = o.pods.size() - 1;
  EXPECT_EQ(report["disruptions"]["Interrupted"], replacements);
  EXPECT_FALSE(report["disruptions"].contains("Empty") &&
               report["disruptions"]["Empty"].get<size_t>() > 1)
      << "only the last node is reaped empty";
  EXPECT_EQ(o.stalledMoments, 0u);
  EXPECT_EQ(o.sleeps, 0u);
  // The summary says why nodes went.
  EXPECT_NE(simulationSummaryText(o).find("disruptions: Empty 1, Interrupted " +
                                          std::to_string(replacements)),
            std::string::npos)
      << simulationSummaryText(o);
}

// Without the interruption controller (as the baselines run): the reclaim is seen when the
// instance is gone. The first GC pass after it sees the instance missing; the one 30 s later
// deletes the claim, and the drain evicts the pod at once: the Job makes its replacement then.
TEST(SpotInterruption, WithoutNoticesAReclaimedPodIsReplacedAfterGarbageCollection) {
  const SimulationOutcome o = simulateWithNotices(false);
  const PodRecord* first = podNamed(o, "ml/train");
  ASSERT_NE(first, nullptr);
  ASSERT_NE(podNamed(o, "ml/train-r1"), nullptr) << "seed 1 no longer reclaims the first node";
  const NodeRecord* lost = nodeNamed(o, first->node);
  ASSERT_NE(lost, nullptr);
  EXPECT_EQ(lost->capacityType, "spot");
  ASSERT_TRUE(lost->terminatedAt && first->startedAt);
  const double reclaimedAt = at(o, *lost->terminatedAt);
  EXPECT_LT(reclaimedAt, at(o, *first->startedAt) + 7200) << "reclaimed after the run was over";
  expectReplacedAt(o, nextGcPass(reclaimedAt) + 30);
}

// With it (Gantry's own run): the two-minute notice fences the node, marks the offering
// unavailable and deletes the claim, so the pod is evicted and replaced 120 s before the
// reclaim, and Gantry terminates the instance itself before AWS takes it.
TEST(SpotInterruption, TheNoticeReplacesAReclaimedPodTwoMinutesEarly) {
  const SimulationOutcome without = simulateWithNotices(false);
  const NodeRecord* reclaimed = nodeNamed(without, podNamed(without, "ml/train")->node);
  ASSERT_TRUE(reclaimed && reclaimed->terminatedAt);
  const double reclaimAt = at(without, *reclaimed->terminatedAt);

  const SimulationOutcome o = simulateWithNotices(true);
  const PodRecord* first = podNamed(o, "ml/train");
  ASSERT_NE(first, nullptr);
  expectReplacedAt(o, reclaimAt - 120);
  const NodeRecord* lost = nodeNamed(o, first->node);
  ASSERT_TRUE(lost && lost->terminatedAt);
  EXPECT_LT(at(o, *lost->terminatedAt), reclaimAt) << "Gantry terminated it before the reclaim";
  // The replacement went to another offering: the reclaimed one was marked unavailable.
  const NodeRecord* next = nodeNamed(o, podNamed(o, "ml/train-r1")->node);
  ASSERT_NE(next, nullptr);
  EXPECT_NE(next->instanceType + "/" + next->zone + "/" + next->capacityType,
            lost->instanceType + "/" + lost->zone + "/" + lost->capacityType);
}

// A gang: when one worker's node is reclaimed, the survivor waits at the rendezvous for the
// replacement, and both run the whole run-for again from when the replacement started.
TEST(SpotInterruption, AGangRestartsTogetherWhenOneMemberIsLost) {
  auto trace = traceOf(simulation(0.5, 2) + spotPool() + R"(---
apiVersion: kubeflow.org/v1
kind: PyTorchJob
metadata:
  name: ddp
  namespace: ml
  annotations: {simulate.gantry.dev/run-for: 3h}
spec:
  pytorchReplicaSpecs:
    Worker:
      replicas: 2
      template:
        spec:)" + std::string(R"(
          containers:
          - name: train
            image: nvcr.io/nvidia/pytorch:24.01
            resources: {limits: {nvidia.com/gpu: 4}, requests: {cpu: "8", memory: 32Gi}})") +
                       "\n");
  SimulationOutcome o = simulate(trace);
  ASSERT_GE(o.pods.size(), 3u) << "seed 2 no longer reclaims a worker's node within 3 h";
  // The first replacement, and the member that was not lost (bound to a node still running).
  const PodRecord* replacement = nullptr;
  for (const auto& p : o.pods) {
    if (p.key.find("-r1") != std::string::npos) replacement = &p;
  }
  ASSERT_NE(replacement, nullptr);
  ASSERT_TRUE(replacement->startedAt);
  const PodRecord* survivor = nullptr;
  for (size_t i = 0; i < 2; ++i) {
    const NodeRecord* node = nodeNamed(o, o.pods[i].node);
    ASSERT_NE(node, nullptr);
    if (!node->terminatedAt || *node->terminatedAt > replacement->createdAt) {
      survivor = &o.pods[i];
    }
  }
  ASSERT_NE(survivor, nullptr);
  ASSERT_TRUE(survivor->finishedAt);
  if (o.pods.size() == 3) {  // nothing else reclaimed: the restarted run completes
    ASSERT_TRUE(replacement->finishedAt);
    EXPECT_EQ(*survivor->finishedAt, *replacement->finishedAt);
    EXPECT_EQ(at(o, *replacement->finishedAt), at(o, *replacement->startedAt) + 3 * 3600);
  }
  EXPECT_EQ(o.stalledMoments, 0u);
}

// A Deployment's pod on a reclaimed node: the ReplicaSet makes the next replica, and the
// service keeps its replica count.
TEST(SpotInterruption, ADeploymentPodIsReplacedByTheNextReplica) {
  auto trace = traceOf(simulation(1.0, 1) + spotPool() + R"(---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: infer
  namespace: ml
  annotations: {simulate.gantry.dev/run-for: 3h}
spec:
  replicas: 1
  selector: {matchLabels: {app: infer}}
  template:
    metadata: {labels: {app: infer}}
    spec:)" + R"(
      containers:
      - name: serve
        image: nvcr.io/nvidia/tritonserver:24.01
        resources: {limits: {nvidia.com/gpu: 1}, requests: {cpu: "2", memory: 8Gi}})" + "\n");
  SimulationOutcome o = simulate(trace);
  ASSERT_GE(o.pods.size(), 2u) << "seed 1 no longer reclaims the first node within 3 h";
  EXPECT_NE(o.pods[0].key, o.pods[1].key);
  EXPECT_EQ(o.pods[1].key.rfind("ml/infer-", 0), 0u) << o.pods[1].key;
  // At every moment at most one replica is alive, and the last one lives to the end of 3 h.
  ASSERT_TRUE(o.pods[0].finishedAt);
  EXPECT_EQ(o.pods[1].createdAt, *o.pods[0].finishedAt);
  ASSERT_TRUE(o.pods.back().finishedAt);
  EXPECT_EQ(at(o, *o.pods.back().finishedAt), 3 * 3600.0);
}

// Without a rate nothing is reclaimed, and nothing is disrupted but empty nodes.
TEST(SpotInterruption, NoRateNoReclaims) {
  auto trace = traceOf(simulation(0, 1) + spotPool() + R"(---
apiVersion: v1
kind: Pod
metadata:
  name: train
  namespace: ml
  annotations: {simulate.gantry.dev/run-for: 2h}
spec:)" + kGpuContainer + "\n");
  SimulationOutcome o = simulate(trace);
  ASSERT_EQ(o.pods.size(), 1u);
  ASSERT_EQ(o.nodes.size(), 1u);
  EXPECT_EQ(o.disruptions, (std::map<std::string, size_t>{{"Empty", 1}}));
  EXPECT_TRUE(o.launchFailures.empty());
}

}  // namespace
}  // namespace gantry::provisioner::simulate::testing
