// `gantry simulate --compare`: the trace played once with Gantry's decisions and once per
// baseline (baseline_cluster_autoscaler.h, baseline_per_pod.h) through the same engine, the
// same cloud, scheduler, kubelet and workload models and the same seed, so that every
// difference in the figures comes from the decisions alone; and the two renderings of the
// result. Deterministic, as each run is.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "provisioner/simulate/decision_policy.h"
#include "provisioner/simulate/simulation_engine.h"
#include "provisioner/simulate/simulation_outcome.h"
#include "src/simulate/trace.h"

namespace gantry::provisioner::simulate {

// The baselines in the order they are reported: cluster-autoscaler, per-pod.
std::vector<std::pair<std::string, DecisionPolicy>> baselinePolicies();

struct Comparison {
  SimulationOutcome gantry;
  std::vector<std::pair<std::string, SimulationOutcome>> baselines;  // baselinePolicies order
};

// Runs the trace with Gantry's decisions and with each baseline's. `options.decisions` is
// ignored. Errors: those of SimulationEngine::make (the same for every run).
// REQUIRES: `trace` has no errors.
Result<Comparison> runComparison(const gantry::simulate::Trace& trace, EngineOptions options = {});

// simulationReport(gantry) with one more key, `baselines`: {NAME: simulationReport(run)}.
nlohmann::ordered_json comparisonReport(const Comparison& comparison);

// Gantry's simulationSummaryText, then a table with Gantry and each baseline side by side
// (cost, GPU-hours paid and idle, pending p50/p95/max, nodes launched and peak, makespan) and
// Gantry's cost as a ratio of each baseline's.
std::string comparisonSummaryText(const Comparison& comparison);

}  // namespace gantry::provisioner::simulate
