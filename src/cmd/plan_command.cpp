// `gantry plan`: dry-run provisioning for workload manifests (files, directories or standard
// input), or for the pending pods of a live cluster (read-only). Exit 0 with a plan (even if
// some pods are unschedulable); 2 when a file cannot be read or parsed or an object could
// not be decoded (listed in errors, the rest still planned) or a path does not exist (no
// plan); 1 when the cluster cannot be reached or read.
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <iostream>

#include "cloudprovider/aws/node_fixed_cost.h"
#include "cloudprovider/catalog/bundled_catalog.h"
#include "provisioner/plan/live_plan.h"
#include "provisioner/plan/plan_host.h"
#include "provisioner/plan/plan_report.h"
#include "provisioner/plan/report_text.h"
#include "src/api/pod_encode.h"
#include "src/cmd/commands.h"
#include "src/cmd/flags.h"
#include "src/common/utf8.h"
#include "src/workload/manifest_loader.h"

namespace gantry::cmd {

namespace {

// Plans buy EC2 capacity: each node's volumes and public address are priced from the
// EC2NodeClass its pool names, as the controller's EC2 provider prices them.
double awsNodeFixedCost(const workload::Workload& input, const std::string& nodeClassName) {
  return cloudprovider::aws::nodeFixedCostPerHour(input.nodeClasses, nodeClassName);
}

const std::vector<FlagSpec>& planFlags() {
  static const std::vector<FlagSpec> specs = {
      {"pods", "workload manifest file or directory (YAML or JSON); - reads standard input", true, false, ""},
      {"kubeconfig", "plan the pending pods of this cluster (read-only; default without --pods: $KUBECONFIG)", false, false, ""},
      {"context", "kubeconfig context (default: current-context)", false, false, ""},
      {"nodepools", "NodePool manifest file or directory, or - (default: the cluster's, else embedded default pool)", true, false, ""},
      {"region", "AWS region of the bundled catalog", false, false, "us-east-1"},
      {"request-timeout", "with --kubeconfig: how long to wait for each apiserver answer, kubectl-style (10s, 1m; 0: no limit)", false, false, "10s"},
      {"output", "table, json, or pods: the expanded pods as a v1 PodList, without planning (-o)", false, false, "table"},
      {"ignore-unknown-kinds", "skip objects of kinds Gantry does not know instead of listing them in errors", false, true, ""},
      {"help", "show this help (-h)", false, true, ""},
  };
  return specs;
}

const CommandHelp& planHelp() {
  static const CommandHelp help = {
      .summary = "the cheapest EC2 nodes for workload manifests or for a live cluster's pending\n"
                 "pods, from the bundled catalog; a dry run that writes nothing and launches nothing",
      .examples = {"gantry plan --pods examples/katib-gpu-experiment.yaml",
                   "gantry plan --pods manifests/ --nodepools deploy/examples/ -o json",
                   "helm template my-release ./chart | gantry plan --pods -",
                   "gantry plan --pods experiment.yaml -o pods   # the pods Gantry would place, as JSON",
                   "gantry plan --kubeconfig ~/.kube/config --context prod"},
      .exitCodes = {{0, "a plan was printed (pods that fit nowhere are listed as unschedulable)"},
                    {1, "the cluster could not be reached or read (--kubeconfig)"},
                    {2, "bad flags or a path that does not exist (no plan); or a file that cannot be\n"
                        "     read or parsed, an object that could not be decoded or is invalid, or an\n"
                        "     object of an unknown kind (listed in errors, the rest planned)"}},
  };
  return help;
}

// Standard input can be read once: "-" may be given once, for --pods or --nodepools.
int stdinUses(const Flags& flags) {
  int uses = 0;
  for (const char* flag : {"pods", "nodepools"}) {
    const auto values = flags.all(flag);
    uses += static_cast<int>(std::count(values.begin(), values.end(), workload::kStandardInputPath));
  }
  return uses;
}

void printReport(const provisioner::PlanReport& report, const std::string& output) {
  // On stderr in both formats, so that -o json stays one JSON object on stdout.
  for (const std::string& warning : report.warnings) {
    std::cerr << "gantry plan: warning: " << warning << "\n";
  }
  if (output == "json") {
    std::cout << provisioner::jsonText(provisioner::planToJson(report)) << "\n";
  } else {
    std::cout << provisioner::planToTable(provisioner::terminalSafe(report));
  }
}

// Live mode: kubeconfig and --nodepools problems are bad input (2); a cluster that cannot be
// reached or read is 1, its message naming the server.
int runLivePlan(const Flags& flags, const std::string& output) {
  const std::string region = flags.get("region");
  auto types = cloudprovider::bundledInstanceTypes(region);
  if (!types) {
    std::cerr << "gantry plan: " << types.error().message() << "\n";
    return 2;
  }
  auto timeout = provisioner::parseRequestTimeout(flags.get("request-timeout"));
  if (!timeout) {
    std::cerr << "gantry plan: " << timeout.error().message() << "\n";
    return 2;
  }
  auto config = kube::loadRestConfig(flags.get("kubeconfig"), flags.get("context"));
  if (!config) {
    std::cerr << "gantry plan: kubeconfig: " << config.error().message() << "\n";
    return 2;
  }
  RealClock clock;
  auto state = provisioner::readCluster(*config, clock, *types, *timeout);
  if (!state) {
    std::cerr << "gantry plan: " << state.error().message() << "\n";
    return 1;
  }
  if (Status s = provisioner::overrideNodePools(*state, flags.all("nodepools")); !s.isOk()) {
    std::cerr << "gantry plan: " << escapeForTerminal(s.message()) << "\n";  // may quote a manifest
    return 2;
  }
  auto report = provisioner::planCluster(std::move(*state), **types, region, awsNodeFixedCost);
  if (!report) {
    std::cerr << "gantry plan: " << report.error().message() << "\n";
    return 2;
  }
  printReport(*report, output);
  return report->errors.empty() ? 0 : 2;
}

// -o pods: the pods the solver would be given, for other schedulers to plan the same input
// (bench/karpenter). Errors go to stderr, one line each, so stdout stays one PodList.
int printExpandedPods(const provisioner::PlanRequest& request) {
  auto expanded = provisioner::expandPods(request);
  if (!expanded) {
    std::cerr << "gantry plan: " << escapeForTerminal(expanded.error().message()) << "\n";
    return 2;
  }
  for (const std::string& warning : expanded->warnings) {
    std::cerr << "gantry plan: warning: " << warning << "\n";
  }
  for (const workload::ManifestError& e : expanded->errors) {
    std::cerr << "gantry plan: " << escapeForTerminal(e.source + ": " + e.object + ": " + e.field + ": " + e.message)
              << (e.count > 1 ? " (" + std::to_string(e.count) + " times)" : "") << "\n";
  }
  std::cout << api::encodePodList(expanded->pods).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)
            << "\n";
  return expanded->errors.empty() ? 0 : 2;
}

}  // namespace

int runPlanCommand(const std::vector<std::string>& args) {
  auto flags = Flags::parse(planFlags(), args);
  if (!flags) {
    std::cerr << "gantry plan: " << flags.error().message() << "\n" << Flags::usage("plan", planFlags());
    return 2;
  }
  if (flags->enabled("help")) {
    std::cout << Flags::help("plan", planFlags(), planHelp());
    return 0;
  }
  const std::string output = flags->get("output");
  if (output != "table" && output != "json" && output != "pods") {
    std::cerr << "gantry plan: --output must be table, json or pods, not \"" << output << "\"\n";
    return 2;
  }
  if (const int uses = stdinUses(*flags); uses > 1) {
    std::cerr << "gantry plan: standard input (-) can be read only once, not " << uses << " times\n";
    return 2;
  } else if (uses == 1 && ::isatty(STDIN_FILENO)) {
    std::cerr << "gantry plan: reading manifests from standard input (end with Ctrl-D)\n";
  }
  provisioner::PlanRequest request;
  request.podPaths = flags->all("pods");
  request.nodePoolPaths = flags->all("nodepools");
  request.region = flags->get("region");
  request.ignoreUnknownKinds = flags->enabled("ignore-unknown-kinds");
  request.nodeFixedCost = awsNodeFixedCost;
  const bool kubeconfigGiven = !flags->get("kubeconfig").empty();
  if (kubeconfigGiven && !request.podPaths.empty()) {
    std::cerr << "gantry plan: give --pods or --kubeconfig, not both\n" << Flags::usage("plan", planFlags());
    return 2;
  }
  const char* envKubeconfig = std::getenv("KUBECONFIG");
  if (kubeconfigGiven || (request.podPaths.empty() && envKubeconfig && *envKubeconfig)) {
    if (output == "pods") {
      std::cerr << "gantry plan: -o pods needs --pods (a live cluster's pods are its own to list)\n";
      return 2;
    }
    return runLivePlan(*flags, output);
  }
  if (request.podPaths.empty()) {
    std::cerr << "gantry plan: --pods PATH or --kubeconfig PATH is required\n"
              << Flags::usage("plan", planFlags());
    return 2;
  }
  if (output == "pods") return printExpandedPods(request);
  auto report = provisioner::runPlan(request);
  if (!report) {
    std::cerr << "gantry plan: " << escapeForTerminal(report.error().message()) << "\n";
    return 2;
  }
  printReport(*report, output);
  return report->errors.empty() ? 0 : 2;
}

}  // namespace gantry::cmd
