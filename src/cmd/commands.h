// The gantry subcommands; each takes the arguments after its name and returns the exit code.
#pragma once

#include <string>
#include <vector>

namespace gantry::cmd {

int runPlanCommand(const std::vector<std::string>& args);
int runCatalogCommand(const std::vector<std::string>& args);
int runSimulateCommand(const std::vector<std::string>& args);
int runControllerCommand(const std::vector<std::string>& args);
int runVersionCommand(const std::vector<std::string>& args);

}  // namespace gantry::cmd
