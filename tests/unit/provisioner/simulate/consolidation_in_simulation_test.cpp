// Consolidation runs in the simulator as it runs in the controller: a Deployment scaled down
// leaves its nodes half empty, and a WhenEmptyOrUnderutilized pool moves the rest onto cheaper
// capacity (reason Underutilized), while WhenEmpty pools and the baselines only reap empty
// nodes.
#include <gtest/gtest.h>

#include "provisioner/simulate/baseline_cluster_autoscaler.h"
#include "tests/unit/provisioner/simulate/simulate_test_support.h"

namespace gantry::provisioner::simulate::testing {
namespace {

std::string traceWith(const std::string& policy) {
  return R"(apiVersion: simulate.gantry.dev/v1
kind: Simulation
metadata: {name: s}
spec: {duration: 4h}
---
apiVersion: gantry.dev/v1
kind: NodePool
metadata: {name: general}
spec:
  template:
    spec:
      nodeClassRef: {group: gantry.dev, kind: EC2NodeClass, name: default}
      requirements:
      - {key: kubernetes.io/arch, operator: In, values: [amd64]}
      - {key: gantry.dev/instance-category, operator: In, values: [c, m]}
  disruption:
    consolidationPolicy: )" + policy + R"(
    consolidateAfter: 1m
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  namespace: web
  annotations: {simulate.gantry.dev/replicas-at: "0s=12,1h=2"}
spec:
  replicas: 12
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      containers:
      - name: api
        image: ghcr.io/example/api:1.0
        resources: {requests: {cpu: 900m, memory: 1Gi}}
)";
}

double totalCost(const SimulationOutcome& o) {
  double sum = 0;
  for (const auto& n : o.nodes) sum += n.cost;
  return sum;
}

size_t count(const std::map<std::string, size_t>& m, const std::string& key) {
  auto it = m.find(key);
  return it == m.end() ? 0 : it->second;
}

TEST(ConsolidationInSimulation, AScaledDownDeploymentIsMovedOntoCheaperCapacity) {
  const SimulationOutcome reaped = simulate(traceOf(traceWith("WhenEmpty")));
  const SimulationOutcome consolidated = simulate(traceOf(traceWith("WhenEmptyOrUnderutilized")));
  EXPECT_EQ(count(reaped.disruptions, "Underutilized"), 0u);
  EXPECT_GE(count(consolidated.disruptions, "Underutilized"), 1u);
  EXPECT_LT(totalCost(consolidated), totalCost(reaped));
  // The service kept its replicas: every pod that was ever created and not scaled away runs.
  size_t running = 0;
  for (const auto& p : consolidated.pods) running += p.startedAt && !p.finishedAt;
  EXPECT_EQ(running, 2u);
}

TEST(ConsolidationInSimulation, BaselinesOnlyReapEmptyNodes) {
  auto trace = traceOf(traceWith("WhenEmptyOrUnderutilized"));
  auto engine = SimulationEngine::make(trace, {.decisions = clusterAutoscalerPolicy()});
  ASSERT_TRUE(engine.has_value());
  const SimulationOutcome o = (*engine)->run();
  EXPECT_EQ(count(o.disruptions, "Underutilized"), 0u);
}

}  // namespace
}  // namespace gantry::provisioner::simulate::testing
