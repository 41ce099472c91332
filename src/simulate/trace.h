// What `gantry simulate --trace PATH` is asked to play: the Simulation settings and, in time
// order, each workload object's arrival with the pods it runs, how long they run, when it is
// deleted and how it scales. A plain value decoded once from manifests (trace_decoder.h); the
// simulation engine consumes it and owns every random draw (RunFor::sample with its seed).
//
// Times are durations from the start of the simulation. Every duration in a trace is at most
// kMaxSimulatedTime: nothing can happen after a simulation has ended.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "src/api/ec2_nodeclass.h"
#include "src/api/node.h"
#include "src/api/nodepool.h"
#include "src/api/pod.h"
#include "src/common/clock.h"
#include "src/common/seeded_random.h"
#include "src/workload/workload.h"

namespace gantry::simulate {

using Duration = Clock::Duration;

// The longest simulation, and the bound on every duration a trace may state.
inline constexpr Duration kMaxSimulatedTime = std::chrono::hours(24 * 7);

// How long one run of an object's pods lasts (simulate.gantry.dev/run-for).
struct RunFor {
  enum class Kind {
    kUntilEnd,  // no annotation: runs until deleted or the simulation ends
    kFixed,     // "30m"
    kUniform,   // "uniform(20m,40m)": uniform in [first, second)
    kNormal,    // "normal(30m,5m)": mean first, standard deviation second
  };
  Kind kind = Kind::kUntilEnd;
  Duration first{};
  Duration second{};

  // One run length drawn from `random` (the fixed kind draws nothing, so adding a fixed
  // annotation does not shift other objects' draws), rounded to the millisecond. A normal
  // draw is clamped to [1s, kMaxSimulatedTime]. nullopt for kUntilEnd.
  std::optional<Duration> sample(SeededRandom& random) const;
  friend bool operator==(const RunFor&, const RunFor&) = default;
};

// From `at` on, the object keeps `replicas` pods (simulate.gantry.dev/replicas-at).
struct ScaleStep {
  Duration at{};
  int64_t replicas = 0;
  friend bool operator==(const ScaleStep&, const ScaleStep&) = default;
};

// One workload object of the trace.
struct Arrival {
  std::string source;  // file path
  std::string object;  // "Deployment shop/web", as errors name it
  std::string kind;
  std::string ns;
  std::string name;

  Duration at{};                        // simulate.gantry.dev/at, default 0s
  RunFor runFor{};                      // simulate.gantry.dev/run-for
  std::optional<Duration> deleteAt{};   // simulate.gantry.dev/delete-at, after `at`
  std::vector<ScaleStep> replicasAt{};  // Deployments and StatefulSets only; times increasing

  // The pods the object runs at once on arrival (the expansion `gantry plan` does: replicas
  // for Deployments, min(parallelism, completions) for a Job, every replica of a Kubeflow
  // job, min(parallelTrialCount, maxTrialCount) trials of a Katib Experiment). May be empty
  // (replicas: 0 with a scale schedule).
  std::vector<api::Pod> pods{};
  // One replica's pod, for scaling (set when replicasAt is).
  std::optional<api::Pod> replicaTemplate{};

  // How the pods come and go. A run is `podsPerRun` pods that start and finish together
  // (one Job pod, one bare Pod, a Kubeflow job's whole gang, one Katib trial); `pods` holds
  // concurrentRuns x podsPerRun pods.
  // - Deployments, ReplicaSets, StatefulSets (replacesPods): the controller keeps its pods
  //   running; run-for, when given, is how long the object lives before it is done.
  // - everything else: each run takes a run-for of its own; when one finishes, the next run
  //   starts until totalRuns have run (Job completions, Katib maxTrialCount; nullopt: runs
  //   keep starting until the object is deleted or the simulation ends).
  bool replacesPods = false;
  int64_t podsPerRun = 1;
  int64_t concurrentRuns = 0;
  std::optional<int64_t> totalRuns{};
};

// The `kind: Simulation` document (apiVersion simulate.gantry.dev/v1); defaults without one.
struct SimulationSettings {
  std::string source{};  // where it was declared; empty for the defaults
  std::string object{};
  // nullopt: until every pod is done plus 1 h, at most kMaxSimulatedTime (the engine's rule).
  std::optional<Duration> duration{};
  uint64_t seed = 1;
  std::string region = "us-east-1";
  Duration cpuLaunchLatency = std::chrono::seconds(45);
  Duration gpuLaunchLatency = std::chrono::seconds(90);
  Duration devicePluginDelay = std::chrono::seconds(30);
  Duration imagePull = std::chrono::seconds(20);       // any image not listed below
  std::map<std::string, Duration> imagePullByImage{};  // image reference -> pull time
  std::optional<double> spotPriceRatio{};              // nullopt: the catalog's spot prices
  struct CapacityError {
    std::string instanceType;
    std::string zone;  // empty: every zone
    Duration from{};
    std::optional<Duration> until{};  // nullopt: to the end
  };
  std::vector<CapacityError> capacityErrors{};
  double spotInterruptionsPerHour = 0;
};

struct Trace {
  SimulationSettings settings{};
  std::vector<Arrival> arrivals{};  // by `at`, then in input order
  std::vector<api::NodePool> nodePools{};
  std::vector<api::Ec2NodeClass> nodeClasses{};  // what the pools' nodes are priced by
  std::vector<api::Pod> daemonSets{};
  std::vector<api::Node> nodes{};
  // Objects that could not be decoded, as `gantry plan` reports them (file, object, field).
  // The CLI exits 2 when there are any.
  std::vector<workload::ManifestError> errors{};
};

}  // namespace gantry::simulate
