// Solver speed on topology-constrained workloads (issue 16): one large Deployment with a zone
// spread, with hostname anti-affinity, with a hostname spread, and a mixed ML set that has
// all of them next to Jobs, one-GPU trials and multi-GPU gangs. The pool offers three zones
// of the bundled us-east-1 catalog, on-demand only. peak_rss_mb is the peak resident size
// while solving (inputs included), inputs_rss_mb what the pods and catalog took before:
//   build/bench/topology_bench --benchmark_filter=BM_ZoneSpread10k
#include <benchmark/benchmark.h>
#include <sys/resource.h>

#include <fstream>
#include <string>

#include "binpack/solver.h"
#include "cloudprovider/catalog/bundled_catalog.h"

namespace gantry {
namespace {

api::Quantity q(const std::string& text) { return *api::Quantity::parse(text); }

const api::InstanceTypes& catalog() {
  static const api::InstanceTypes types = [] {
    auto all = cloudprovider::bundledInstanceTypes("us-east-1");
    if (!all) std::abort();
    return api::InstanceTypes((*all)->begin(), (*all)->end());
  }();
  return types;
}

api::Pod pod(const std::string& ns, const std::string& name, const std::string& cpu,
             const std::string& memory) {
  api::Pod p;
  p.ns = ns;
  p.name = name;
  p.requests.set("cpu", q(cpu));
  p.requests.set("memory", q(memory));
  return p;
}

api::TopologySpreadConstraint spread(const std::string& key, const std::string& app) {
  api::TopologySpreadConstraint tsc;
  tsc.maxSkew = 1;
  tsc.topologyKey = key;
  tsc.whenUnsatisfiable = api::UnsatisfiableAction::kDoNotSchedule;
  tsc.selector.matchLabels = {{"app", app}};
  return tsc;
}

api::PodAffinityTerm hostnameTerm(const std::string& app) {
  api::PodAffinityTerm term;
  term.topologyKey = "kubernetes.io/hostname";
  term.selector.matchLabels = {{"app", app}};
  return term;
}

enum class Constraint { kZoneSpread, kHostnameSpread, kHostnameAntiAffinity };

// `n` replicas of one Deployment, all constrained the same way against each other.
void addDeployment(std::vector<api::Pod>& pods, const std::string& app, size_t n,
                   Constraint constraint, const std::string& cpu, const std::string& memory) {
  for (size_t i = 0; i < n; ++i) {
    api::Pod p = pod("web", app + "-" + std::to_string(i), cpu, memory);
    p.labels = {{"app", app}};
    p.owner = {"ReplicaSet", app + "-5d8f", ""};
    switch (constraint) {
      case Constraint::kZoneSpread: p.topologySpread = {spread("topology.kubernetes.io/zone", app)}; break;
      case Constraint::kHostnameSpread: p.topologySpread = {spread("kubernetes.io/hostname", app)}; break;
      case Constraint::kHostnameAntiAffinity: p.requiredPodAntiAffinity = {hostnameTerm(app)}; break;
    }
    pods.push_back(std::move(p));
  }
}

// 20,000 pods of an ML platform: spread web tiers, anti-affine gateways and a GPU inference
// tier with a zone spread, ETL Jobs, Katib trials (one GPU each, one Job per trial) and
// PyTorchJob gangs of four 4-GPU workers.
std::vector<api::Pod> mixedMl() {
  std::vector<api::Pod> pods;
  pods.reserve(20000);
  addDeployment(pods, "web-api", 4000, Constraint::kZoneSpread, "500m", "1Gi");
  addDeployment(pods, "frontend", 2000, Constraint::kHostnameSpread, "250m", "512Mi");
  addDeployment(pods, "gateway", 1000, Constraint::kHostnameAntiAffinity, "1", "2Gi");
  addDeployment(pods, "inference", 600, Constraint::kZoneSpread, "4", "16Gi");
  for (size_t i = pods.size() - 600; i < pods.size(); ++i) pods[i].requests.set("nvidia.com/gpu", q("1"));
  for (size_t i = 0; i < 9000; ++i) {  // ETL Jobs of 100 pods each
    api::Pod p = pod("data", "etl-" + std::to_string(i), i % 2 ? "2" : "1", i % 2 ? "4Gi" : "3Gi");
    p.owner = {"Job", "etl-" + std::to_string(i / 100), ""};
    pods.push_back(std::move(p));
  }
  for (size_t i = 0; i < 2400; ++i) {  // Katib trials
    api::Pod p = pod("katib", "trial-" + std::to_string(i), "4", "16Gi");
    p.requests.set("nvidia.com/gpu", q("1"));
    p.owner = {"Job", "trial-" + std::to_string(i), ""};
    pods.push_back(std::move(p));
  }
  for (size_t i = 0; i < 1000; ++i) {  // 250 PyTorchJobs of 4 workers
    api::Pod p = pod("train", "ptj-" + std::to_string(i / 4) + "-worker-" + std::to_string(i % 4),
                     "16", "64Gi");
    p.requests.set("nvidia.com/gpu", q("4"));
    p.owner = {"PyTorchJob", "ptj-" + std::to_string(i / 4), ""};
    p.gang = "train/ptj-" + std::to_string(i / 4);
    pods.push_back(std::move(p));
  }
  return pods;
}

// A /proc/self/status field in MiB ("VmRSS", "VmHWM"), or -1 when it cannot be read.
double statusMb(const std::string& field) {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);) {
    if (line.starts_with(field + ":")) return std::stod(line.substr(field.size() + 1)) / 1024.0;
  }
  return -1;
}

// Peak RSS since the last resetPeakRss(): VmHWM, which writing 5 to clear_refs resets
// (ru_maxrss, which cannot be reset, when that fails).
bool resetPeakRss() { return static_cast<bool>(std::ofstream("/proc/self/clear_refs") << "5"); }
double peakRssMb(bool wasReset) {
  if (wasReset) return statusMb("VmHWM");
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;  // KiB on Linux
}

void solveBench(benchmark::State& state, std::vector<api::Pod> pods) {
  binpack::Snapshot snap;
  const size_t n = pods.size();
  snap.pods = std::move(pods);
  api::NodePool pool;
  pool.name = "default";
  pool.requirements = {
      {"karpenter.sh/capacity-type", api::SelectorOp::kIn, {"on-demand"}},
      {"topology.kubernetes.io/zone", api::SelectorOp::kIn, {"us-east-1a", "us-east-1b", "us-east-1c"}}};
  snap.nodePools = {pool};
  snap.region = "us-east-1";
  catalog();
  const double inputsRssMb = statusMb("VmRSS");
  const bool reset = resetPeakRss();
  size_t nodes = 0, unschedulable = 0;
  double usdPerHour = 0;
  for (auto _ : state) {
    auto plan = binpack::solve(snap, catalog());
    if (!plan) {
      state.SkipWithError(plan.error().toString().c_str());
      return;
    }
    // Only the figures are kept: a whole plan kept across iterations would count twice.
    nodes = plan->nodes.size();
    unschedulable = plan->unschedulable.size();
    usdPerHour = plan->totalPricePerHour;
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * n));
  state.counters["nodes"] = static_cast<double>(nodes);
  state.counters["usd_per_hour"] = usdPerHour;
  state.counters["unschedulable"] = static_cast<double>(unschedulable);
  // The peak while solving (pods and catalog included), and what those took before.
  state.counters["peak_rss_mb"] = peakRssMb(reset);
  state.counters["inputs_rss_mb"] = inputsRssMb;
}

void BM_ZoneSpread10k(benchmark::State& state) {
  std::vector<api::Pod> pods;
  addDeployment(pods, "web", 10000, Constraint::kZoneSpread, "500m", "1Gi");
  solveBench(state, std::move(pods));
}

void BM_HostnameAntiAffinity10k(benchmark::State& state) {
  std::vector<api::Pod> pods;
  addDeployment(pods, "web", 10000, Constraint::kHostnameAntiAffinity, "500m", "1Gi");
  solveBench(state, std::move(pods));
}

void BM_HostnameSpread10k(benchmark::State& state) {
  std::vector<api::Pod> pods;
  addDeployment(pods, "web", 10000, Constraint::kHostnameSpread, "500m", "1Gi");
  solveBench(state, std::move(pods));
}

void BM_MixedMl20k(benchmark::State& state) { solveBench(state, mixedMl()); }

BENCHMARK(BM_ZoneSpread10k)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_HostnameAntiAffinity10k)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_HostnameSpread10k)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_MixedMl20k)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace gantry

BENCHMARK_MAIN();
