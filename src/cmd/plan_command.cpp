// `gantry plan`: dry-run provisioning for workload manifests. Exit 0 with a plan (even if
// some pods are unschedulable); 2 when an object could not be decoded (the rest is still
// planned) or a file cannot be read or parsed (no plan).
#include <iostream>

#include "provisioner/plan/plan_report.h"
#include "src/cmd/commands.h"
#include "src/cmd/flags.h"

namespace gantry::cmd {

namespace {

const std::vector<FlagSpec>& planFlags() {
  static const std::vector<FlagSpec> specs = {
      {"pods", "workload manifest file or directory (YAML or JSON)", true, false, ""},
      {"nodepools", "NodePool manifest file or directory (default: embedded default pool)", true, false, ""},
      {"region", "AWS region of the bundled catalog", false, false, "us-east-1"},
      {"output", "table or json (-o)", false, false, "table"},
      {"help", "show this help", false, true, ""},
  };
  return specs;
}

}  // namespace

int runPlanCommand(const std::vector<std::string>& args) {
  auto flags = Flags::parse(planFlags(), args);
  if (!flags) {
    std::cerr << "gantry plan: " << flags.error().message() << "\n" << Flags::usage("plan", planFlags());
    return 2;
  }
  if (flags->enabled("help")) {
    std::cout << Flags::usage("plan", planFlags());
    return 0;
  }
  const std::string output = flags->get("output");
  if (output != "table" && output != "json") {
    std::cerr << "gantry plan: --output must be table or json, not \"" << output << "\"\n";
    return 2;
  }
  provisioner::PlanRequest request;
  request.podPaths = flags->all("pods");
  request.nodePoolPaths = flags->all("nodepools");
  request.region = flags->get("region");
  if (request.podPaths.empty()) {
    std::cerr << "gantry plan: at least one --pods PATH is required\n" << Flags::usage("plan", planFlags());
    return 2;
  }
  auto report = provisioner::runPlan(request);
  if (!report) {
    std::cerr << "gantry plan: " << report.error().message() << "\n";
    return 2;
  }
  if (output == "json") {
    std::cout << provisioner::planToJson(*report).dump(2) << "\n";
  } else {
    std::cout << provisioner::planToTable(*report);
  }
  return report->errors.empty() ? 0 : 2;
}

}  // namespace gantry::cmd
