// One consolidation planning pass (disruption::planConsolidation, with every solver run it
// makes) over 1,000 nodes and 10,000 pods, against the bundled us-east-1 catalog. Goal: under
// 1 s per pass on one core. The counters report what the pass found: nodes taken away, the
// move, and its saving in dollars per hour.
//
// The cluster:
//   700 CPU nodes (m5.2xlarge, 8 vCPU / 32 GiB, $0.384/h) running 2 to 18 replica pods of
//       500m / 1 GiB each (about 10 on average: some nodes are nearly empty, some full);
//   200 GPU nodes (g5.xlarge) each training one Job pod with 1 GPU and 2 small CPU pods: the
//       training pods hold them (not candidates), but they receive pods;
//   100 GPU nodes whose trial finished: GPUs idle, 2 small CPU helper pods still running.
// Every node but the training ones is a candidate; budgets are unlimited.
//   build/bench/consolidation_bench --benchmark_counters_tabular=true
// Measured (RelWithDebInfo, one core pinned, a busy 2-core machine): 664 ms wall / 617 ms CPU
// per pass; it finds the multi-node move taking the 100 idle GPU nodes (their helpers fit on
// the CPU nodes), saving $100.60/h.
#include <benchmark/benchmark.h>

#include <random>
#include <string>

#include "cloudprovider/catalog/bundled_catalog.h"
#include "provisioner/disruption/consolidation_planner.h"
#include "src/api/well_known_labels.h"

namespace gantry {
namespace {

using provisioner::disruption::ClusterNode;
using provisioner::disruption::ConsolidationInput;

api::ResourceList res(const std::string& cpu, const std::string& mem, int gpus = 0) {
  api::ResourceList r;
  r.set("cpu", *api::Quantity::parse(cpu));
  r.set("memory", *api::Quantity::parse(mem));
  if (gpus > 0) r.set("nvidia.com/gpu", api::Quantity::fromValue(gpus));
  return r;
}

api::Pod pod(const std::string& name, const std::string& node, api::ResourceList requests,
             const std::string& ownerKind, const std::string& owner) {
  api::Pod p;
  p.ns = "bench";
  p.name = name;
  p.nodeName = node;
  p.phase = "Running";
  p.requests = std::move(requests);
  p.owner = {.kind = ownerKind, .name = owner, .uid = owner};
  p.labels = {{"app", owner}};
  return p;
}

ClusterNode node(const std::string& name, const std::string& type, api::ResourceList alloc,
                 double price, const std::string& zone) {
  ClusterNode n;
  n.node.name = name;
  n.node.allocatable = std::move(alloc);
  n.node.allocatable.set("pods", api::Quantity::fromValue(110));
  n.node.labels = {{std::string(api::label::kInstanceType), type},
                   {std::string(api::label::kZone), zone},
                   {std::string(api::label::kArch), "amd64"},
                   {std::string(api::label::kOs), "linux"},
                   {std::string(api::label::kCapacityType), "on-demand"}};
  n.node.nodePool = "default";
  n.nodePool = "default";
  n.claim = "claim-" + name;
  n.pricePerHour = price;
  n.candidate = true;
  return n;
}

ConsolidationInput cluster() {
  std::mt19937 rng(42);
  const char* zones[] = {"us-east-1a", "us-east-1b", "us-east-1c"};
  ConsolidationInput in;
  in.region = "us-east-1";
  in.nodePools.push_back(api::NodePool::defaultPool());
  in.nodePools.back().name = "default";
  size_t pods = 0;
  for (int i = 0; i < 700; ++i) {
    const std::string name = "cpu-" + std::to_string(i);
    auto n = node(name, "m5.2xlarge", res("7910m", "30Gi"), 0.384, zones[i % 3]);
    const int count = 2 + static_cast<int>(rng() % 17);
    for (int k = 0; k < count; ++k) {
      n.pods.push_back(pod(name + "-" + std::to_string(k), name, res("500m", "1Gi"), "ReplicaSet",
                           "web-" + std::to_string(i % 40)));
    }
    pods += n.pods.size();
    in.nodes.push_back(std::move(n));
  }
  for (int i = 0; i < 300; ++i) {
    const std::string name = "gpu-" + std::to_string(i);
    auto n = node(name, "g5.xlarge", res("3920m", "14Gi", 1), 1.006, zones[i % 3]);
    const bool training = i < 200;
    if (training) {
      n.pods.push_back(pod(name + "-trial", name, res("2", "8Gi", 1), "Job", "trial-" + std::to_string(i)));
      n.candidate = false;  // a training pod holds it
    }
    for (int k = 0; k < 2; ++k) {
      n.pods.push_back(pod(name + "-helper-" + std::to_string(k), name, res("250m", "256Mi"),
                           "ReplicaSet", "helper-" + std::to_string(i % 10)));
    }
    pods += n.pods.size();
    in.nodes.push_back(std::move(n));
  }
  // Top up to 10,000 pods on the CPU nodes with room, a 100m sidecar each.
  for (size_t i = 0; pods < 10000; ++i) {
    auto& n = in.nodes[i % 700];
    n.pods.push_back(pod(n.node.name + "-side-" + std::to_string(i), n.node.name,
                         res("100m", "128Mi"), "ReplicaSet", "side"));
    ++pods;
  }
  return in;
}

void BM_ConsolidationPass(benchmark::State& state) {
  auto catalog = cloudprovider::bundledInstanceTypes("us-east-1");
  if (!catalog) {
    state.SkipWithError("no bundled catalog");
    return;
  }
  const ConsolidationInput in = cluster();
  provisioner::disruption::ConsolidationOptions options;
  options.maxSingleNodeCandidates = static_cast<size_t>(state.range(0));
  std::optional<provisioner::disruption::Move> move;
  for (auto _ : state) {
    move = provisioner::disruption::planConsolidation(in, **catalog, options);
    benchmark::DoNotOptimize(move);
  }
  size_t pods = 0;
  for (const auto& n : in.nodes) pods += n.pods.size();
  state.counters["nodes"] = static_cast<double>(in.nodes.size());
  state.counters["pods"] = static_cast<double>(pods);
  state.counters["removed"] = move ? static_cast<double>(move->nodes.size()) : 0;
  state.counters["replaced"] = move && move->replacement ? 1 : 0;
  state.counters["savings_per_h"] = move ? move->savingsPerHour() : 0;
  if (move) state.SetLabel(std::string(moveKindName(move->kind)) + ": " + move->summary);
}
BENCHMARK(BM_ConsolidationPass)->ArgName("single")->Arg(50)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace gantry

BENCHMARK_MAIN();
