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
    "  controller run the in-cluster controller (provisioning)\n"
    "run `gantry <command> --help` for its flags\n";

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << kUsage;
    return 2;
  }
  const std::string command = argv[1];
  std::vector<std::string> args(argv + 2, argv + argc);
  try {
    if (command == "plan") return gantry::cmd::runPlanCommand(args);
    if (command == "catalog") return gantry::cmd::runCatalogCommand(args);
    if (command == "controller") return gantry::cmd::runControllerCommand(args);
    if (command == "--help" || command == "help" || command == "-h") {
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
