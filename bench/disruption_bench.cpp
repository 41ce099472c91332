// One disruption pass (DisruptionReconciler::pass(): emptiness, budgets, do-not-disrupt) over
// a large cluster held as the informer cache holds it (bench/in_memory_cluster.h). Target:
// well under 10 ms per pass at 5,000 initialized nodes and 50,000 pods.
//
// The cluster, per 5,000 nodes (everything scales with the node count; pods with their own
// argument):
//   cpu        48%  budget 2%, already used up by fenced and deleting nodes; 150 empty
//                   Consolidatable nodes wait on it, 20 more are empty but have a pod the
//                   scheduler nominated, 30 emptied too recently to be Consolidatable
//   gpu-train  30%  8 GPUs; budget 10%; 80 empty Consolidatable nodes held by do-not-disrupt
//                   (half on the NodeClaim, half on the Node), 10 empty but nominated by the
//                   provisioner, 20 not yet Consolidatable
//   gpu-infer  16%  1 or 4 GPUs; budget 5%, used up by NotReady nodes; 70 empty
//                   Consolidatable nodes wait on it
//   batch       6%  consolidateAfter Never (emptiness off); 20 empty Consolidatable nodes
// plus 25 claims still launching and 50 unmanaged system Nodes. Busy nodes are Consolidatable
// 60% of the time (no pod event for consolidateAfter), as long-running training leaves them.
// Pods: 3 DaemonSet pods per Node (4 on GPU nodes), 2% pending (a few nominated), 3%
// Succeeded (still bound), the rest running on the busy nodes; GPU pods take one GPU each.
//
// The steady state (writes=0) is the main figure: every check runs, about 300 candidates are
// all held back, nothing is written. writes=1 leaves the cpu budget room for 5 nodes, so
// each pass fences and deletes 5 (the writer records the calls and leaves the cluster as it
// was, so each pass sees the same cluster). The clock moves 5 s per pass, the controller's
// interval, so the idle-GPU accounting runs as in the controller and a blocked node is told
// again (Event) every 60 passes, as its 5-minute repeat window allows. metrics=0 runs the
// pass without ProvisionerMetrics, as unit tests do: the difference is what the metrics cost,
// mostly the idle-GPU accounting (every pod on every GPU node, every pass).
//   make bench   or   build/bench/disruption_bench --benchmark_counters_tabular=true
#include <benchmark/benchmark.h>
#include <spdlog/spdlog.h>

#include "bench/disruption_cluster.h"

namespace gantry {
namespace {

void BM_DisruptionPass(benchmark::State& state) {
  const Shape shape{state.range(0), state.range(1), state.range(2) != 0};
  const bool withMetrics = state.range(3) != 0;
  const Fixture* f = fixture(shape);
  if (f == nullptr) {
    state.SkipWithError("cannot build that cluster (too few pods for its nodes, or duplicate keys)");
    return;
  }
  FakeClock clock(kStart);
  bench::RecordingWriter writer(f->cluster);
  bench::NoopEventRecorder events;
  prometheus::Registry registry;
  provisioner::ProvisionerMetrics metrics(registry);
  // The provisioner renews its nominations every pass; a long TTL stands in for that.
  provisioner::state::Nominations nominations(std::chrono::hours(24 * 365));
  for (const auto& node : f->provisionerNominated) {
    nominations.nominate(node, {"katib/trial-planned"}, kStart);
  }
  DisruptionReconciler reconciler(f->cluster, writer, events, clock, {}, &nominations,
                                  withMetrics ? &metrics : nullptr);

  // The first pass tells every blocked node (Events); the timed ones are the steady state.
  PassResult result = reconciler.pass();
  const size_t eventsBefore = events.count();
  const size_t writesBefore = writer.total();
  for (auto _ : state) {
    clock.advance(std::chrono::seconds(5));
    writer.clear();
    result = reconciler.pass();
    benchmark::DoNotOptimize(result);
  }
  if (result.candidates != f->expected.candidates ||
      result.disrupted.size() != f->expected.disrupted ||
      result.blocked + result.disrupted.size() != result.candidates) {
    state.SkipWithError(("unexpected pass: candidates=" + std::to_string(result.candidates) +
                         " (want " + std::to_string(f->expected.candidates) + ") disrupted=" +
                         std::to_string(result.disrupted.size()) + " (want " +
                         std::to_string(f->expected.disrupted) + ") blocked=" +
                         std::to_string(result.blocked))
                            .c_str());
    return;
  }
  const double iterations = static_cast<double>(state.iterations());
  state.counters["claims"] = static_cast<double>(f->cluster.nodeClaimCount());
  state.counters["nodes"] = static_cast<double>(result.nodes);
  state.counters["pods"] = static_cast<double>(f->cluster.podCount());
  state.counters["candidates"] = static_cast<double>(result.candidates);
  state.counters["blocked"] = static_cast<double>(result.blocked);
  state.counters["disrupted"] = static_cast<double>(result.disrupted.size());
  state.counters["writes"] = static_cast<double>(writer.total() - writesBefore) / iterations;
  state.counters["events"] = static_cast<double>(events.count() - eventsBefore) / iterations;
  // Initialized nodes handled per second: flat across sizes when the pass is linear.
  state.counters["nodes_per_s"] = benchmark::Counter(static_cast<double>(f->initialized),
                                                     benchmark::Counter::kIsIterationInvariantRate);
}

BENCHMARK(BM_DisruptionPass)
    ->ArgNames({"nodes", "pods", "writes", "metrics"})
    ->Args({5000, 50000, 0, 1})
    ->Args({500, 5000, 0, 1})
    ->Args({5000, 50000, 1, 1})
    ->Args({5000, 50000, 0, 0})
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace gantry

int main(int argc, char** argv) {
  // The pass logs every block and disruption at info; keep the figures readable.
  spdlog::set_level(spdlog::level::warn);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
