// The gantry binary: dispatches to a subcommand. Kept thin; each subcommand lives in its
// own file and the real work in the libraries.
#include <iostream>
#include <string>
#include <vector>

#include "src/cmd/commands.h"

namespace {

constexpr const char* kUsage =
    "usage: gantry <command> [flags]\n"
    "commands:\n"
    "  plan       dry-run: the cheapest EC2 nodes for workload manifests or a live cluster\n"
    "  catalog    EC2 instance types with GPUs, zones and prices (bundled, or --live)\n"
    "  simulate   what a workload trace would cost and wait, on a virtual clock and simulated cloud\n"
    "  controller run the in-cluster controller (provisioning)\n"
    "  version    the version and git commit of this build (also --version)\n"
    "run `gantry <command> --help` (or `gantry help <command>`) for its flags, examples and\n"
    "exit codes\n"
    "\n"
    "examples:\n"
    "  gantry plan --pods examples/katib-gpu-experiment.yaml\n"
    "  gantry catalog --gpu\n"
    "\n"
    "exit codes: 0 success; 1 a cluster or cloud could not be reached or read; 2 bad input\n"
    "(flags, files, manifests). Each command's help has its own.\n";

using Command = int (*)(const std::vector<std::string>&);

Command find(const std::string& name) {
  if (name == "plan") return gantry::cmd::runPlanCommand;
  if (name == "catalog") return gantry::cmd::runCatalogCommand;
  if (name == "simulate") return gantry::cmd::runSimulateCommand;
  if (name == "controller") return gantry::cmd::runControllerCommand;
  if (name == "version") return gantry::cmd::runVersionCommand;
  return nullptr;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << kUsage;
    return 2;
  }
  const std::string command = argv[1];
  std::vector<std::string> args(argv + 2, argv + argc);
  try {
    if (Command run = find(command)) return run(args);
    if (command == "--version") return gantry::cmd::runVersionCommand(args);
    if (command == "--help" || command == "-h" || command == "help") {
      // `gantry help plan` is `gantry plan --help`.
      if (command == "help" && args.size() == 1) {
        if (Command run = find(args[0])) return run({"--help"});
        std::cerr << "gantry: unknown command \"" << args[0] << "\"\n" << kUsage;
        return 2;
      }
      std::cout << kUsage;
      return 0;
    }
    std::cerr << "gantry: unknown command \"" << command << "\"\n" << kUsage;
    return 2;
  } catch (const std::exception& e) {
    // Exceptions are bugs (errors are values everywhere else): say so and fail loudly.
    std::cerr << "gantry: internal error: " << e.what() << "\n";
    return 1;
  }
}
