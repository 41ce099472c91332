// `gantry simulate`: plays a workload trace through the controller's own provisioning,
// NodeClaim lifecycle and disruption code on a virtual clock, against an in-memory cluster and
// the simulated cloud, and says what it cost and how long pods waited
// (provisioner/simulate/simulation_engine.h; the trace contract is docs/simulate.md).
// Exit 0 with a report; 1 when the --report file cannot be written; 2 for bad flags, a path that does not exist, or a trace with errors
// (each printed as file: object: field: message, and nothing simulated).
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>

#include "cloudprovider/aws/node_fixed_cost.h"
#include "cloudprovider/catalog/bundled_catalog.h"
#include "provisioner/simulate/html_report.h"
#include "provisioner/simulate/simulation_comparison.h"
#include "provisioner/simulate/simulation_engine.h"
#include "provisioner/simulate/simulation_report.h"
#include "src/cmd/commands.h"
#include "src/cmd/flags.h"
#include "src/cmd/progress_bar.h"
#include "src/common/utf8.h"
#include "src/simulate/trace_decoder.h"

namespace gantry::cmd {

namespace {

const std::vector<FlagSpec>& simulateFlags() {
  static const std::vector<FlagSpec> specs = {
      {"trace",
       "trace file or directory (YAML or JSON manifests, simulate.gantry.dev/* annotations, an "
       "optional Simulation document); - reads standard input",
       true, false, ""},
      {"output", "text or json (-o)", false, false, "text"},
      {"report",
       "also write an HTML report to FILE: one self-contained page (inline SVG, no scripts or\n"
       "network) charting nodes by instance type, pending pods, GPUs allocated vs paid for\n"
       "and cumulative cost over time, with the totals",
       false, false, ""},
      {"compare",
       "also play the trace with two baselines' decisions (same cloud, models and seed) and\n"
       "print them side by side, and in the JSON under \"baselines\":\n"
       "  cluster-autoscaler: node groups fixed to the NodePool's cheapest type per pod\n"
       "    shape, empty nodes removed after 10 min (not within 10 min of a scale-up);\n"
       "  per-pod: one node per pending pod (the cheapest type for it), no packing; nodes\n"
       "    reaped when empty for the NodePool's consolidateAfter",
       false, true, ""},
      {"progress",
       "auto, always or never: a progress line on stderr (auto: when stderr is a terminal\n"
       "and the run takes more than a second)",
       false, false, "auto"},
      {"help", "show this help (-h)", false, true, ""},
  };
  return specs;
}

const CommandHelp& simulateHelp() {
  static const CommandHelp help = {
      .summary =
          "what a workload trace would cost and how long its pods would wait: the\n"
          "controller's own provisioning, lifecycle and disruption code on a virtual\n"
          "clock against a simulated cloud; deterministic for a trace and its seed",
      .examples = {"gantry simulate --trace examples/katib-gpu-experiment.yaml",
                   "gantry simulate --trace day/ --trace nodepools.yaml -o json",
                   "gantry simulate --trace day/ --report day.html",
                   "gantry simulate --trace examples/katib-gpu-experiment.yaml --compare"},
      .exitCodes = {{0, "the simulation ran and its report was printed"},
                    {1, "the --report file could not be written"},
                    {2,
                     "bad flags, a path that does not exist, or a trace with errors (listed;\n"
                     "     nothing is simulated)"}},
  };
  return help;
}

}  // namespace

int runSimulateCommand(const std::vector<std::string>& args) {
  auto flags = Flags::parse(simulateFlags(), args);
  if (!flags) {
    std::cerr << "gantry simulate: " << flags.error().message() << "\n"
              << Flags::usage("simulate", simulateFlags());
    return 2;
  }
  if (flags->enabled("help")) {
    std::cout << Flags::help("simulate", simulateFlags(), simulateHelp());
    return 0;
  }
  const std::string output = flags->get("output");
  if (output != "text" && output != "json") {
    std::cerr << "gantry simulate: --output must be text or json, not \"" << output << "\"\n";
    return 2;
  }
  const auto progressMode = parseProgressMode(flags->get("progress"));
  if (!progressMode) {
    std::cerr << "gantry simulate: --progress must be auto, always or never, not \""
              << escapeForTerminal(flags->get("progress")) << "\"\n";
    return 2;
  }
  const auto paths = flags->all("trace");
  if (paths.empty()) {
    std::cerr << "gantry simulate: --trace PATH is required\n"
              << Flags::usage("simulate", simulateFlags());
    return 2;
  }
  auto trace = simulate::loadTrace(
      paths, [](std::string_view region) { return cloudprovider::bundledInstanceTypes(region); });
  if (!trace) {
    std::cerr << "gantry simulate: " << escapeForTerminal(trace.error().message()) << "\n";
    return 2;
  }
  if (!trace->errors.empty()) {
    for (const auto& e : trace->errors) {
      std::cerr << "gantry simulate: "
                << escapeForTerminal(e.source + ": " + e.object + ": " + e.field + ": " + e.message)
                << "\n";
    }
    return 2;
  }
  // The report file is opened before the run, so a bad path fails at once and not after a
  // long simulation.
  const std::string reportPath = flags->get("report");
  std::ofstream report;
  auto cannotWrite = [&reportPath]() {
    std::cerr << "gantry simulate: cannot write the report to " << escapeForTerminal(reportPath)
              << ": " << std::strerror(errno) << "\n";
    return 1;
  };
  if (!reportPath.empty()) {
    errno = 0;
    report.open(reportPath, std::ios::binary | std::ios::trunc);
    if (!report) return cannotWrite();
  }
  // The controllers log every launch and reap with wall-clock stamps that mean nothing on a
  // virtual clock, and a day of trace would print thousands of lines: warnings only, and on
  // stderr (component loggers clone the default logger's sinks when first used, which is
  // after this), so that -o json stays one JSON object on stdout.
  auto log = spdlog::stderr_color_mt("simulate");
  log->set_level(spdlog::level::warn);
  spdlog::set_default_logger(log);
  spdlog::set_level(spdlog::level::warn);
  namespace sim = provisioner::simulate;
  ProgressBar progress(std::cerr, *progressMode, isatty(STDERR_FILENO) == 1);
  sim::EngineOptions options;
  // Nodes carry their EC2NodeClass's volumes and address, as the aws provider prices them; a
  // pool whose class the trace does not hold gets the default class's 20 GiB root volume.
  options.nodeFixedCostPerHour = cloudprovider::aws::defaultNodeFixedCostPerHour();
  for (const auto& nodeClass : trace->nodeClasses) {
    options.nodeFixedCostByClass[nodeClass.name] =
        cloudprovider::aws::nodeFixedCostPerHour(nodeClass);
  }
  options.progress = [&progress](std::string_view run, Clock::Duration played,
                                 std::optional<Clock::Duration> length) {
    progress.update(run, played, length);
  };
  sim::Comparison runs;
  const bool compare = flags->enabled("compare");
  if (compare) {
    auto comparison = sim::runComparison(*trace, options);
    if (!comparison) {
      std::cerr << "gantry simulate: " << comparison.error().message() << "\n";
      return 2;
    }
    runs = std::move(*comparison);
  } else {
    auto engine = sim::SimulationEngine::make(*trace, options);
    if (!engine) {
      std::cerr << "gantry simulate: " << engine.error().message() << "\n";
      return 2;
    }
    runs.gantry = (*engine)->run();
  }
  progress.finish();
  const sim::SimulationOutcome& outcome = runs.gantry;
  if (output == "json") {
    std::cout << (compare ? sim::comparisonReport(runs) : sim::simulationReport(outcome)).dump(2)
              << "\n";
  } else {
    std::cout << (compare ? sim::comparisonSummaryText(runs) : sim::simulationSummaryText(outcome));
  }
  if (report.is_open()) {
    std::string title = "gantry simulate:";
    for (const auto& p : paths) title += " " + p;
    errno = 0;
    report << sim::simulationHtmlReport(outcome, title, runs.baselines);
    report.close();
    if (!report) return cannotWrite();
  }
  return 0;
}

}  // namespace gantry::cmd
