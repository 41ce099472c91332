// The version and git commit this `gantry` binary was built from. Both are fixed when CMake
// configures the build (src/CMakeLists.txt writes version.cpp from version.cpp.in); a source
// tree without git reports the commit as "unknown".
#pragma once

#include <string_view>

namespace gantry::cmd {

// The project version from CMakeLists.txt, e.g. "0.1.0".
std::string_view gantryVersion();

// The commit, 12 hex digits (or what -DGANTRY_GIT_COMMIT gave), or "unknown".
std::string_view gantryCommit();

}  // namespace gantry::cmd
