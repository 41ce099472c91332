// Shared by the tests that run `gantry plan` as a process: the real binary, and the files under
// tests/unit/provisioner/testdata. Tests only.
#pragma once

#include <string>

#include "tests/support/run_command.h"

namespace gantry::testing {

// The absolute path of tests/unit/provisioner/testdata/`name`.
inline std::string planTestdata(const std::string& name) {
  return std::string(GANTRY_SOURCE_DIR) + "/tests/unit/provisioner/testdata/" + name;
}

// `gantry plan ARGS`, run to its end.
inline CommandResult gantryPlan(const std::string& args) {
  return runCommand(std::string(GANTRY_BINARY) + " plan " + args);
}

}  // namespace gantry::testing
