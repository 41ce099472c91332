// Solver speed and plan quality on the bundled us-east-1 catalog: pods/s for 1, 100, 1k
// and 10k pending pods against 800 instance types, and the plan's cost relative to the
// solver's proven lower bound (cost_ratio = total / lower bound; 1.0 is optimal).
//   make bench   or   build/bench/solver_bench --benchmark_counters_tabular=true
#include <benchmark/benchmark.h>

#include <random>

#include "binpack/solver.h"
#include "cloudprovider/catalog/bundled_catalog.h"

namespace gantry {
namespace {

api::Quantity q(const std::string& text) { return *api::Quantity::parse(text); }

// The first `count` types of the bundled catalog, by name.
const api::InstanceTypes& catalog(size_t count) {
  static std::map<size_t, api::InstanceTypes> cache;
  auto it = cache.find(count);
  if (it == cache.end()) {
    auto all = cloudprovider::bundledInstanceTypes("us-east-1");
    if (!all) std::abort();
    api::InstanceTypes types((*all)->begin(), (*all)->begin() + std::min(count, (*all)->size()));
    it = cache.emplace(count, std::move(types)).first;
  }
  return it->second;
}

// A mixed ML platform: CPU services (many replicas of few shapes), notebooks, Katib trials
// with one GPU each, and some pods pinned to a zone. Deterministic for a given size.
std::vector<api::Pod> workload(size_t n) {
  std::mt19937 rng(42);
  std::vector<api::Pod> pods;
  pods.reserve(n);
  const std::vector<std::pair<std::string, std::string>> shapes = {
      {"250m", "512Mi"}, {"500m", "1Gi"}, {"1", "2Gi"}, {"2", "4Gi"}, {"2", "8Gi"},
      {"4", "16Gi"},     {"1500m", "6Gi"}, {"3", "12Gi"}, {"750m", "3Gi"}, {"8", "32Gi"}};
  for (size_t i = 0; i < n; ++i) {
    api::Pod p;
    p.ns = "team-" + std::to_string(i % 7);
    p.name = "pod-" + std::to_string(i);
    size_t kind = i % 20;
    if (kind < 3) {  // Katib trial: one GPU
      p.requests.set("cpu", q("4"));
      p.requests.set("memory", q("16Gi"));
      p.requests.set("nvidia.com/gpu", q("1"));
      p.owner = {"Job", "trial-" + std::to_string(i / 60), ""};
    } else {
      const auto& [cpu, mem] = shapes[(i / 20 + kind) % shapes.size()];
      p.requests.set("cpu", q(cpu));
      p.requests.set("memory", q(mem));
      p.owner = {"ReplicaSet", "svc-" + std::to_string(kind), ""};
      if (kind == 19) p.nodeSelector = {{"topology.kubernetes.io/zone", "us-east-1b"}};
    }
    pods.push_back(std::move(p));
  }
  (void)rng;
  return pods;
}

void solveBench(benchmark::State& state, size_t typeCount) {
  const size_t n = static_cast<size_t>(state.range(0));
  binpack::Snapshot snap;
  snap.pods = workload(n);
  api::NodePool pool;  // all types, on-demand only: the comparison is about packing
  pool.name = "default";
  pool.requirements = {{"karpenter.sh/capacity-type", api::SelectorOp::kIn, {"on-demand"}}};
  snap.nodePools = {pool};
  snap.region = "us-east-1";
  const auto& types = catalog(typeCount);
  binpack::Plan last;
  for (auto _ : state) {
    auto plan = binpack::solve(snap, types);
    if (!plan) state.SkipWithError(plan.error().toString().c_str());
    benchmark::DoNotOptimize(plan);
    last = std::move(*plan);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * n));
  state.counters["types"] = static_cast<double>(types.size());
  state.counters["nodes"] = static_cast<double>(last.nodes.size());
  state.counters["usd_per_hour"] = last.totalPricePerHour;
  state.counters["lower_bound"] = last.lowerBoundPerHour;
  state.counters["cost_ratio"] = last.lowerBoundPerHour > 0 ? last.totalPricePerHour / last.lowerBoundPerHour : 1;
  state.counters["unschedulable"] = static_cast<double>(last.unschedulable.size());
}

void BM_Solve800Types(benchmark::State& state) { solveBench(state, 800); }
void BM_SolveFullCatalog(benchmark::State& state) { solveBench(state, 100000); }

BENCHMARK(BM_Solve800Types)->Arg(1)->Arg(100)->Arg(1000)->Arg(10000)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_SolveFullCatalog)->Arg(10000)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace gantry

BENCHMARK_MAIN();
