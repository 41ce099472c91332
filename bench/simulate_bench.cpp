// `gantry simulate` playing a day of an ML platform (issue 14): "24 h of trace with 100,000
// pods in under 10 s on one core". The engine is single-threaded (the provisioner creates one
// claim at a time), so the wall time is the one-core time.
//
// The trace is generated here as YAML text and decoded as the CLI decodes a file (decoding is
// outside the timed region and reported as decode_s). Per 100,000 pods, arrivals spread over
// the day so that most work has finished by 24 h:
//   CPU batch   ~94%  Jobs of 200 completions, 20 in parallel, run-for normal(5m,1m),
//                     1 CPU / 2Gi each, one every ~3 minutes
//   Katib        5%   100 Experiments of 50 one-GPU trials, 4 at a time, uniform(20m,40m)
//   TFJob      0.1%   25 gangs of 4 one-GPU replicas (chief + 3 workers), normal(2h,20m)
//   web              4 Deployments on a daily replicas-at curve (4 at night, 40 at the peak)
// Two NodePools: general (c/m/r, spot or on-demand, empty nodes reaped after 5 m) and gpu
// (NVIDIA, on-demand, tainted, reaped after 2 m). pods=10000 is the same mix with a tenth of
// the objects: the baseline the 100,000-pod figure is quoted against.
//   make bench   or   build/bench/simulate_bench --benchmark_counters_tabular=true
#include <benchmark/benchmark.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "cloudprovider/catalog/bundled_catalog.h"
#include "provisioner/simulate/simulation_engine.h"
#include "src/simulate/trace_decoder.h"

namespace gantry {
namespace {

using provisioner::simulate::SimulationEngine;
using provisioner::simulate::SimulationOutcome;

// Minutes as a trace duration ("95m").
std::string minutes(int64_t m) { return std::to_string(m) + "m"; }

std::string header() {
  return R"(apiVersion: simulate.gantry.dev/v1
kind: Simulation
metadata: {name: ml-platform-day}
spec:
  duration: 24h
  seed: 42
  imagePull:
    default: 20s
    images:
      nvcr.io/nvidia/pytorch:24.01-py3: 3m
---
apiVersion: gantry.dev/v1
kind: NodePool
metadata: {name: general}
spec:
  template:
    spec:
      nodeClassRef: {group: gantry.dev, kind: EC2NodeClass, name: default}
      requirements:
        - {key: gantry.dev/instance-category, operator: In, values: ["c", "m", "r"]}
        - {key: gantry.dev/capacity-type, operator: In, values: ["spot", "on-demand"]}
        - {key: kubernetes.io/arch, operator: In, values: ["amd64"]}
  disruption:
    consolidationPolicy: WhenEmpty
    consolidateAfter: 5m
---
apiVersion: gantry.dev/v1
kind: NodePool
metadata: {name: gpu}
spec:
  weight: 10
  template:
    spec:
      nodeClassRef: {group: gantry.dev, kind: EC2NodeClass, name: default}
      requirements:
        - {key: gantry.dev/instance-gpu-manufacturer, operator: In, values: ["nvidia"]}
        - {key: gantry.dev/capacity-type, operator: In, values: ["on-demand"]}
        - {key: kubernetes.io/arch, operator: In, values: ["amd64"]}
      taints:
        - {key: nvidia.com/gpu, value: "true", effect: NoSchedule}
  disruption:
    consolidationPolicy: WhenEmpty
    consolidateAfter: 2m
)";
}

std::string batchJob(int64_t i, int64_t atMinutes) {
  return "---\napiVersion: batch/v1\nkind: Job\nmetadata:\n  name: etl-" + std::to_string(i) +
         "\n  namespace: data\n  annotations:\n    simulate.gantry.dev/at: " + minutes(atMinutes) +
         "\n    simulate.gantry.dev/run-for: normal(5m,1m)\n"
         R"(spec:
  parallelism: 20
  completions: 200
  template:
    spec:
      restartPolicy: Never
      containers:
        - name: etl
          image: ghcr.io/example/etl:1.0.0
          resources:
            requests: {cpu: "1", memory: 2Gi}
)";
}

std::string katibExperiment(int64_t i, int64_t atMinutes) {
  return "---\napiVersion: kubeflow.org/v1beta1\nkind: Experiment\nmetadata:\n  name: sweep-" +
         std::to_string(i) + "\n  namespace: kubeflow-user\n  annotations:\n"
         "    simulate.gantry.dev/at: " + minutes(atMinutes) +
         "\n    simulate.gantry.dev/run-for: uniform(20m,40m)\n"
         R"(spec:
  objective: {type: maximize, goal: 0.99, objectiveMetricName: accuracy}
  algorithm: {algorithmName: random}
  parallelTrialCount: 4
  maxTrialCount: 50
  parameters:
    - name: lr
      parameterType: double
      feasibleSpace: {min: "0.01", max: "0.05"}
  trialTemplate:
    primaryContainerName: training
    trialParameters:
      - {name: learningRate, reference: lr}
    trialSpec:
      apiVersion: batch/v1
      kind: Job
      spec:
        template:
          spec:
            restartPolicy: Never
            tolerations:
              - {key: nvidia.com/gpu, operator: Exists, effect: NoSchedule}
            containers:
              - name: training
                image: nvcr.io/nvidia/pytorch:24.01-py3
                command: ["python", "train.py", "--lr=${trialParameters.learningRate}"]
                resources:
                  requests: {cpu: "4", memory: 16Gi}
                  limits: {nvidia.com/gpu: 1}
)";
}

std::string tfJobReplica(const std::string& role, int64_t replicas) {
  return "    " + role + ":\n      replicas: " + std::to_string(replicas) + R"(
      restartPolicy: OnFailure
      template:
        spec:
          tolerations:
            - {key: nvidia.com/gpu, operator: Exists, effect: NoSchedule}
          containers:
            - name: tensorflow
              image: nvcr.io/nvidia/pytorch:24.01-py3
              resources:
                requests: {cpu: "8", memory: 32Gi}
                limits: {nvidia.com/gpu: 1}
)";
}

std::string tfJob(int64_t i, int64_t atMinutes) {
  return "---\napiVersion: kubeflow.org/v1\nkind: TFJob\nmetadata:\n  name: train-" +
         std::to_string(i) + "\n  namespace: training\n  annotations:\n"
         "    simulate.gantry.dev/at: " + minutes(atMinutes) +
         "\n    simulate.gantry.dev/run-for: normal(2h,20m)\nspec:\n  tfReplicaSpecs:\n" +
         tfJobReplica("Chief", 1) + tfJobReplica("Worker", 3);
}

std::string deployment(int64_t i) {
  return "---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web-" +
         std::to_string(i) + "\n  namespace: web\n  annotations:\n"
         R"(    simulate.gantry.dev/replicas-at: "0s=4,7h=12,9h=30,18h=40,22h=12,23h=4"
spec:
  replicas: 4
  selector:
    matchLabels: {app: web-)" + std::to_string(i) + R"(}
  template:
    metadata:
      labels: {app: web-)" + std::to_string(i) + R"(}
    spec:
      containers:
        - name: api
          image: ghcr.io/example/web:2.1.0
          resources:
            requests: {cpu: "1", memory: 2Gi}
)";
}

// The day's manifests for about `pods` pods (see the top of the file for the mix).
std::string platformDay(int64_t pods) {
  const int64_t katib = pods / 1000;                   // 50 trials each
  const int64_t tfJobs = std::max<int64_t>(1, pods / 4000);  // 4 pods each
  const int64_t web = 4;                               // ~70 pods each over the day
  const int64_t jobs = (pods - katib * 50 - tfJobs * 4 - web * 70) / 200;
  std::string yaml = header();
  // Arrivals end early enough for most work to finish within the day: a Job takes about
  // 50 m, an Experiment about 6 h, a TFJob about 2 h.
  for (int64_t i = 0; i < jobs; ++i) yaml += batchJob(i, i * (23 * 60) / jobs);
  for (int64_t i = 0; i < katib; ++i) yaml += katibExperiment(i, i * (17 * 60) / katib);
  for (int64_t i = 0; i < tfJobs; ++i) yaml += tfJob(i, 30 + i * (20 * 60) / tfJobs);
  for (int64_t i = 0; i < web; ++i) yaml += deployment(i);
  return yaml;
}

gantry::simulate::Trace decode(const std::string& yaml) {
  workload::ManifestCollection collection;
  workload::collectText(yaml, "ml-platform-day.yaml", collection);
  return gantry::simulate::decodeTrace(std::move(collection), [](std::string_view region) {
    return cloudprovider::bundledInstanceTypes(region);
  });
}

double seconds(std::chrono::steady_clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

void BM_SimulateDay(benchmark::State& state) {
  // As `gantry simulate`: the controllers' info lines (every launch and reap) are warnings-only.
  spdlog::set_level(spdlog::level::warn);
  const auto decodeStart = std::chrono::steady_clock::now();
  const gantry::simulate::Trace trace = decode(platformDay(state.range(0)));
  const double decodeSeconds = seconds(std::chrono::steady_clock::now() - decodeStart);
  if (!trace.errors.empty()) {
    state.SkipWithError(("trace: " + trace.errors.front().message).c_str());
    return;
  }
  SimulationOutcome outcome;
  double wall = 0;
  for (auto _ : state) {
    const auto start = std::chrono::steady_clock::now();
    auto engine = SimulationEngine::make(trace);
    if (!engine) {
      state.SkipWithError(engine.error().message().c_str());
      return;
    }
    outcome = (*engine)->run();
    wall = seconds(std::chrono::steady_clock::now() - start);
  }
  size_t finished = 0;
  for (const auto& pod : outcome.pods) finished += pod.finishedAt.has_value() ? 1 : 0;
  state.counters["pods"] = static_cast<double>(outcome.pods.size());
  state.counters["finished"] = static_cast<double>(finished);
  state.counters["nodes"] = static_cast<double>(outcome.nodes.size());
  state.counters["wakes"] = static_cast<double>(outcome.wakes);
  state.counters["wall_s"] = wall;
  state.counters["decode_s"] = decodeSeconds;
  state.counters["pods_per_s"] = wall > 0 ? static_cast<double>(outcome.pods.size()) / wall : 0;
}

// Once each: a run is seconds long and deterministic, so repetitions would only repeat it.
BENCHMARK(BM_SimulateDay)
    ->ArgName("pods")
    ->Arg(10000)
    ->Arg(100000)
    ->Unit(benchmark::kSecond)
    ->Iterations(1)
    ->UseRealTime();

}  // namespace
}  // namespace gantry

BENCHMARK_MAIN();
