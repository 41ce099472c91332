// `gantry simulate --compare`: the baselines on traces small enough to work out by hand. The
// timings are the engine's defaults (simulation_engine_test.cpp): batch window 1 s, GPU launch
// 90 s + device plugin 30 s, CPU launch 45 s, image pull 20 s.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include "provisioner/simulate/baseline_cluster_autoscaler.h"
#include "provisioner/simulate/baseline_per_pod.h"
#include "provisioner/simulate/simulation_comparison.h"
#include "tests/unit/provisioner/simulate/simulate_test_support.h"

namespace gantry::provisioner::simulate::testing {
namespace {

Comparison compare(const gantry::simulate::Trace& trace) {
  EXPECT_TRUE(trace.errors.empty()) << (trace.errors.empty() ? "" : trace.errors[0].message);
  auto c = runComparison(trace);
  EXPECT_TRUE(c.has_value()) << (c ? "" : c.error().message());
  return c ? std::move(*c) : Comparison{};
}

const SimulationOutcome& baseline(const Comparison& c, const std::string& name) {
  for (const auto& [n, o] : c.baselines) {
    if (n == name) return o;
  }
  ADD_FAILURE() << "no baseline " << name;
  static const SimulationOutcome none;
  return none;
}

double totalCost(const SimulationOutcome& o) {
  double cost = 0;
  for (const auto& n : o.nodes) cost += n.cost;
  return cost;
}

std::string gpuPods(int count, const std::string& runFor, const std::string& at = "0s") {
  std::string out;
  for (int i = 0; i < count; ++i) {
    out += "---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: train-" + std::to_string(i) +
           "\n  namespace: ml\n  annotations: {simulate.gantry.dev/run-for: \"" + runFor +
           "\", simulate.gantry.dev/at: " + at + "}\nspec:" + kGpuContainer + "\n";
  }
  return out;
}

// A pool of three m5 sizes, on-demand, that reaps empty nodes after a minute.
const std::string kM5Pool = R"(apiVersion: gantry.dev/v1
kind: NodePool
metadata: {name: cpu}
spec:
  template:
    spec:
      nodeClassRef: {group: gantry.dev, kind: EC2NodeClass, name: default}
      requirements:
      - {key: node.kubernetes.io/instance-type, operator: In, values: [m5.large, m5.xlarge, m5.2xlarge]}
  disruption:
    consolidateAfter: 1m
)";

std::string cpuPods(int count, const std::string& cpu, const std::string& runFor,
                    const std::string& at = "0s", const std::string& prefix = "web") {
  std::string out;
  for (int i = 0; i < count; ++i) {
    out += "---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: " + prefix + "-" +
           std::to_string(i) +
           "\n  namespace: app\n  annotations: {simulate.gantry.dev/run-for: " + runFor +
           ", simulate.gantry.dev/at: " + at +
           "}\nspec:\n  containers:\n  - name: app\n    image: nginx\n    resources: {requests: "
           "{cpu: \"" +
           cpu + "\", memory: 512Mi}}\n";
  }
  return out;
}

// Three one-GPU pods of 30 min. One g4dn.xlarge each is cheaper than one 4-GPU g4dn.12xlarge,
// so all three autoscalers launch the same three nodes at 1 s, Ready at 121 s; the pods finish
// at 141 + 1800 = 1941 s. Gantry and per-pod reap them consolidateAfter (1m) later, one per
// 10 s disruption pass (the default budget, 10% of 3 nodes, rounds up to one): at 2001, 2011
// and 2021 s. cluster-autoscaler removes all three 10 min after they went empty, at 2541 s.
TEST(SimulationComparison, ThreeGpuPodsCostTheSameNodesButCaKeepsThemTenMinutesLonger) {
  Comparison c = compare(traceOf(nodePool("gpu", "1m") + gpuPods(3, "30m")));
  const double price = onDemandPrice("g4dn.xlarge");
  const std::vector<double> emptiness = {2001, 2011, 2021};
  const struct {
    const SimulationOutcome* outcome;
    std::vector<double> terminated;
  } runs[] = {{&c.gantry, emptiness},
              {&baseline(c, kPerPodBaseline), emptiness},
              {&baseline(c, kClusterAutoscalerBaseline), {2541, 2541, 2541}}};
  for (const auto& run : runs) {
    const SimulationOutcome& o = *run.outcome;
    ASSERT_EQ(o.nodes.size(), 3u);
    std::vector<double> terminated;
    double expectedCost = 0;
    for (const auto& node : o.nodes) {
      EXPECT_EQ(node.instanceType, "g4dn.xlarge");
      EXPECT_EQ(at(o, node.launchedAt), 1.0);
      ASSERT_TRUE(node.terminatedAt);
      terminated.push_back(at(o, *node.terminatedAt));
      expectedCost += price * (terminated.back() - 1) / 3600;
    }
    std::sort(terminated.begin(), terminated.end());
    EXPECT_EQ(terminated, run.terminated);
    EXPECT_NEAR(totalCost(o), expectedCost, 1e-9);
    for (const auto& pod : o.pods) {
      ASSERT_TRUE(pod.boundAt && pod.finishedAt) << pod.key;
      EXPECT_EQ(at(o, *pod.boundAt), 121.0);
      EXPECT_EQ(at(o, *pod.finishedAt), 1941.0);
    }
  }
}

// Six pods of 500m CPU. per-pod buys each its own m5.large (the cheapest m5 for one pod);
// cluster-autoscaler's node group for the shape is m5.large too, and it packs three pods on
// each (3 x 500m fit the 1930m a large has allocatable, 4 do not): two nodes. Gantry pays no
// more than that.
TEST(SimulationComparison, PerPodBuysANodePerPodAndCaPacksItsNodeGroup) {
  Comparison c = compare(traceOf(kM5Pool + cpuPods(6, "500m", "30m")));
  const SimulationOutcome& perPod = baseline(c, kPerPodBaseline);
  const SimulationOutcome& ca = baseline(c, kClusterAutoscalerBaseline);
  ASSERT_EQ(perPod.nodes.size(), 6u);
  for (const auto& node : perPod.nodes) EXPECT_EQ(node.instanceType, "m5.large");
  ASSERT_EQ(ca.nodes.size(), 2u);
  for (const auto& node : ca.nodes) EXPECT_EQ(node.instanceType, "m5.large");
  std::map<std::string, int> podsPerNode;
  for (const auto& pod : ca.pods) ++podsPerNode[pod.node];
  EXPECT_EQ(podsPerNode.size(), 2u);
  for (const auto& [node, pods] : podsPerNode) EXPECT_EQ(pods, 3) << node;
  EXPECT_LE(totalCost(c.gantry), totalCost(ca) + 1e-9);
  EXPECT_LT(totalCost(c.gantry), totalCost(perPod));
}

// cluster-autoscaler's --scale-down-delay-after-add: a GPU pod of 5 min empties its node at
// 141 + 300 = 441 s, unneeded until 1041 s; but an 8-CPU pod arriving at 700 s (it fits no
// g4dn.xlarge) makes the autoscaler scale up at 701 s, and nothing is removed before 1301 s.
TEST(SimulationComparison, CaHoldsScaleDownForTenMinutesAfterAScaleUp) {
  const std::string pool = R"(apiVersion: gantry.dev/v1
kind: NodePool
metadata: {name: mixed}
spec:
  template:
    spec:
      nodeClassRef: {group: gantry.dev, kind: EC2NodeClass, name: default}
      requirements:
      - {key: node.kubernetes.io/instance-type, operator: In, values: [g4dn.xlarge, m5.2xlarge, m5.4xlarge]}
  disruption:
    consolidateAfter: 1m
)";
  Comparison c = compare(traceOf(pool + gpuPods(1, "5m") + cpuPods(1, "6", "5m", "700s", "batch")));
  const SimulationOutcome& ca = baseline(c, kClusterAutoscalerBaseline);
  ASSERT_EQ(ca.nodes.size(), 2u);
  EXPECT_EQ(ca.nodes[0].instanceType, "g4dn.xlarge");
  ASSERT_TRUE(ca.nodes[0].terminatedAt);
  EXPECT_EQ(at(ca, *ca.nodes[0].terminatedAt), 1301.0);
  EXPECT_EQ(at(ca, ca.nodes[1].launchedAt), 701.0);
  // Gantry's own emptiness has no such hold: consolidateAfter after the pod finished.
  ASSERT_EQ(c.gantry.nodes.size(), 2u);
  ASSERT_TRUE(c.gantry.nodes[0].terminatedAt);
  EXPECT_EQ(at(c.gantry, *c.gantry.nodes[0].terminatedAt), 441.0 + 60);
}

// NodePool limits hold for the baselines too, counted across the nodes a pass plans: with
// 4 CPUs allowed, per-pod buys two m5.large (2 vCPUs each) for six 500m pods, not six; the
// scheduler then binds three pods onto each once they are Ready (1930m allocatable each).
TEST(SimulationComparison, NodePoolLimitsStopPerPodAcrossOnePass) {
  std::string pool = kM5Pool;
  pool.replace(pool.find("spec:\n"), 6, "spec:\n  limits: {cpu: \"4\"}\n");
  Comparison c = compare(traceOf(pool + cpuPods(6, "500m", "30m")));
  const SimulationOutcome& perPod = baseline(c, kPerPodBaseline);
  ASSERT_EQ(perPod.nodes.size(), 2u);
  for (const auto& node : perPod.nodes) EXPECT_EQ(node.instanceType, "m5.large");
  for (const auto& pod : perPod.pods) {
    ASSERT_TRUE(pod.boundAt) << pod.key;
    EXPECT_EQ(at(perPod, *pod.boundAt), 46.0) << pod.key;
  }
}

// A node group without capacity: the launch of its one type fails, the offering is held back,
// and the next pass picks the next cheapest group (CA backs a failed group off and tries
// another), at the same moment on the virtual clock.
TEST(SimulationComparison, CaScalesAnotherGroupWhenItsTypeHasNoCapacity) {
  const std::string settings =
      "apiVersion: simulate.gantry.dev/v1\nkind: Simulation\nmetadata: {name: s}\nspec:\n"
      "  capacityErrors:\n  - {instanceType: g4dn.xlarge, from: 0s, until: 1h}\n---\n";
  Comparison c = compare(traceOf(settings + nodePool("gpu", "1m") + gpuPods(1, "30m")));
  const SimulationOutcome& ca = baseline(c, kClusterAutoscalerBaseline);
  ASSERT_EQ(ca.nodes.size(), 1u);
  EXPECT_EQ(ca.nodes[0].instanceType, "g4dn.2xlarge");
  EXPECT_EQ(at(ca, ca.nodes[0].launchedAt), 1.0);
  ASSERT_EQ(c.gantry.nodes.size(), 1u);
  EXPECT_EQ(c.gantry.nodes[0].instanceType, "g4dn.2xlarge");
}

TEST(SimulationComparison, SameTraceGivesTheSameReportByteForByte) {
  const auto trace = traceOf(nodePool("gpu", "1m") + gpuPods(3, "uniform(20m,40m)") +
                             cpuPods(5, "500m", "10m", "5m"));
  const std::string first = comparisonReport(compare(trace)).dump();
  const std::string second = comparisonReport(compare(trace)).dump();
  EXPECT_EQ(first, second);
  EXPECT_EQ(comparisonSummaryText(compare(trace)), comparisonSummaryText(compare(trace)));
}

TEST(SimulationComparison, JsonKeepsGantryAtTheTopAndEachBaselineWithTheSameKeys) {
  Comparison c = compare(traceOf(nodePool("gpu", "1m") + gpuPods(2, "10m")));
  auto report = comparisonReport(c);
  std::vector<std::string> top;
  for (const auto& [key, value] : report.items()) top.push_back(key);
  const std::vector<std::string> contract = {
      "total_cost",       "gpu_hours_paid",  "gpu_hours_requested",
      "gpu_hours_idle",   "nodes_launched",  "nodes_reaped",
      "peak_nodes",       "pending_seconds", "makespan_seconds",
      "launch_failures",  "disruptions",     "by_instance_type",
      "nodes",            "pods"};
  std::vector<std::string> withBaselines = contract;
  withBaselines.push_back("baselines");
  EXPECT_EQ(top, withBaselines);
  EXPECT_EQ(report["total_cost"], simulationReport(c.gantry)["total_cost"]);
  std::vector<std::string> names;
  for (const auto& [name, run] : report["baselines"].items()) {
    names.push_back(name);
    std::vector<std::string> keys;
    for (const auto& [key, value] : run.items()) keys.push_back(key);
    EXPECT_EQ(keys, contract) << name;
  }
  EXPECT_EQ(names, (std::vector<std::string>{"cluster-autoscaler", "per-pod"}));
}

TEST(SimulationComparison, TextPutsTheRunsSideBySideWithGantrysCostRatio) {
  Comparison c = compare(traceOf(nodePool("gpu", "1m") + gpuPods(3, "30m")));
  const std::string text = comparisonSummaryText(c);
  EXPECT_NE(text.find("total cost: $"), std::string::npos) << text;  // Gantry's own summary
  EXPECT_NE(text.find("gantry   cluster-autoscaler              per-pod"), std::string::npos)
      << text;
  for (const char* label :
       {"cost", "GPU-hours paid", "GPU-hours idle", "pending p50", "pending p95", "pending max",
        "nodes launched", "peak nodes", "makespan", "gantry cost / this"}) {
    EXPECT_NE(text.find("\n  " + std::string(label) + " "), std::string::npos) << label;
  }
  // 2000 + 2005 + 2010 node-seconds against 3 x 2540 of the same type.
  char ratio[32];
  std::snprintf(ratio, sizeof(ratio), "%.2fx", 6015.0 / (3 * 2540.0));
  EXPECT_NE(text.find(ratio), std::string::npos) << text;
}

TEST(ClusterAutoscalerBaseline, PodShapeKeySeparatesRequestsSelectorsAndTolerations) {
  api::Pod a;
  a.requests.set("cpu", api::Quantity::fromValue(1));
  api::Pod b = a;
  b.name = "other";
  EXPECT_EQ(podShapeKey(a), podShapeKey(b));
  b.requests.set("nvidia.com/gpu", api::Quantity::fromValue(1));
  EXPECT_NE(podShapeKey(a), podShapeKey(b));
  api::Pod selected = a;
  selected.nodeSelector["team"] = "ml";
  EXPECT_NE(podShapeKey(a), podShapeKey(selected));
  api::Pod tolerant = a;
  api::Toleration gpuTaint;
  gpuTaint.key = "gpu";
  gpuTaint.op = api::Toleration::Op::kExists;
  tolerant.tolerations.push_back(gpuTaint);
  EXPECT_NE(podShapeKey(a), podShapeKey(tolerant));
}

}  // namespace
}  // namespace gantry::provisioner::simulate::testing
