// The runs and the side-by-side table. The table's figures are read back from each run's JSON
// report, so the terminal and `-o json` never disagree.
#include "provisioner/simulate/simulation_comparison.h"

#include <cstdio>
#include <functional>

#include "provisioner/simulate/baseline_cluster_autoscaler.h"
#include "provisioner/simulate/baseline_per_pod.h"
#include "provisioner/simulate/simulation_report.h"

namespace gantry::provisioner::simulate {

namespace {
using json = nlohmann::ordered_json;

Result<SimulationOutcome> runOnce(const gantry::simulate::Trace& trace, EngineOptions options,
                                  DecisionPolicy decisions) {
  options.decisions = std::move(decisions);
  auto engine = SimulationEngine::make(trace, std::move(options));
  if (!engine) return fail(engine.error());
  return (*engine)->run();
}

std::string cell(const char* format, double value) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), format, value);
  return buf;
}

}  // namespace

std::vector<std::pair<std::string, DecisionPolicy>> baselinePolicies() {
  return {{kClusterAutoscalerBaseline, clusterAutoscalerPolicy()},
          {kPerPodBaseline, perPodPolicy()}};
}

Result<Comparison> runComparison(const gantry::simulate::Trace& trace, EngineOptions options) {
  Comparison out;
  auto gantry = runOnce(trace, options, DecisionPolicy{});
  if (!gantry) return fail(gantry.error());
  out.gantry = std::move(*gantry);
  for (auto& [name, policy] : baselinePolicies()) {
    options.runName = name;
    auto run = runOnce(trace, options, std::move(policy));
    if (!run) return fail(run.error());
    out.baselines.emplace_back(name, std::move(*run));
  }
  return out;
}

json comparisonReport(const Comparison& comparison) {
  json report = simulationReport(comparison.gantry);
  json baselines = json::object();
  for (const auto& [name, outcome] : comparison.baselines) {
    baselines[name] = simulationReport(outcome);
  }
  report["baselines"] = std::move(baselines);
  return report;
}

std::string comparisonSummaryText(const Comparison& comparison) {
  std::vector<std::pair<std::string, json>> runs;
  runs.emplace_back("gantry", simulationReport(comparison.gantry));
  for (const auto& [name, outcome] : comparison.baselines) {
    runs.emplace_back(name, simulationReport(outcome));
  }
  struct Row {
    const char* label;
    std::function<std::string(const json&)> value;
  };
  auto number = [](const char* format, auto get) {
    return [format, get](const json& r) { return cell(format, get(r)); };
  };
  auto pending = [](const char* key) {
    return [key](const json& r) { return r["pending_seconds"][key].get<double>(); };
  };
  const std::vector<Row> rows = {
      {"cost", number("$%.2f", [](const json& r) { return r["total_cost"].get<double>(); })},
      {"GPU-hours paid",
       number("%.2f", [](const json& r) { return r["gpu_hours_paid"].get<double>(); })},
      {"GPU-hours idle",
       number("%.2f", [](const json& r) { return r["gpu_hours_idle"].get<double>(); })},
      {"pending p50", number("%.1f s", pending("p50"))},
      {"pending p95", number("%.1f s", pending("p95"))},
      {"pending max", number("%.1f s", pending("max"))},
      {"nodes launched",
       number("%.0f", [](const json& r) { return r["nodes_launched"].get<double>(); })},
      {"peak nodes", number("%.0f", [](const json& r) { return r["peak_nodes"].get<double>(); })},
      {"makespan",
       number("%.1f s", [](const json& r) { return r["makespan_seconds"].get<double>(); })},
  };
  std::string out = simulationSummaryText(comparison.gantry);
  out +=
      "\ncompared with baselines (same trace, cloud, models and seed; only the decisions "
      "differ):\n";
  char line[512];
  auto addLine = [&](const std::string& label, const std::vector<std::string>& cells) {
    int n = std::snprintf(line, sizeof(line), "  %-22s", label.c_str());
    for (const auto& c : cells) {
      n += std::snprintf(line + n, sizeof(line) - static_cast<size_t>(n), " %20s", c.c_str());
    }
    out += line;
    out += "\n";
  };
  std::vector<std::string> header;
  for (const auto& [name, report] : runs) header.push_back(name);
  addLine("", header);
  for (const Row& row : rows) {
    std::vector<std::string> cells;
    for (const auto& [name, report] : runs) cells.push_back(row.value(report));
    addLine(row.label, cells);
  }
  // Gantry's cost over each run's: 0.50x means Gantry pays half of what that baseline pays.
  const double gantryCost = runs.front().second["total_cost"].get<double>();
  std::vector<std::string> ratios;
  for (const auto& [name, report] : runs) {
    const double cost = report["total_cost"].get<double>();
    ratios.push_back(cost > 0 ? cell("%.2fx", gantryCost / cost) : "n/a");
  }
  addLine("gantry cost / this", ratios);
  return out;
}

}  // namespace gantry::provisioner::simulate
