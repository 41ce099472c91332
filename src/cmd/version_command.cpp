// `gantry version` (also `gantry --version`): the version and the git commit of the build, one
// line, so a bug report can say exactly what ran. Exit 0; 2 for a usage error.
#include <iostream>

#include "src/cmd/commands.h"
#include "src/cmd/flags.h"
#include "src/cmd/version.h"

namespace gantry::cmd {

namespace {

const std::vector<FlagSpec>& versionFlags() {
  static const std::vector<FlagSpec> specs = {
      {"help", "show this help (-h)", false, true, ""},
  };
  return specs;
}

const CommandHelp& versionHelp() {
  static const CommandHelp help = {
      .summary = "the version of gantry and the git commit it was built from (\"unknown\" when\n"
                 "built from a source tree without git)",
      .examples = {"gantry version", "gantry --version"},
      .exitCodes = {{0, "the version was printed"}, {2, "bad flags or arguments"}},
  };
  return help;
}

}  // namespace

int runVersionCommand(const std::vector<std::string>& args) {
  auto flags = Flags::parse(versionFlags(), args);
  if (!flags) {
    std::cerr << "gantry version: " << flags.error().message() << "\n" << Flags::usage("version", versionFlags());
    return 2;
  }
  if (flags->enabled("help")) {
    std::cout << Flags::help("version", versionFlags(), versionHelp());
    return 0;
  }
  std::cout << "gantry " << gantryVersion() << " (commit " << gantryCommit() << ")\n";
  return 0;
}

}  // namespace gantry::cmd
