// The version and commit come from src/cmd/version.h, fixed when the build was configured.
#include "src/cmd/build_info.h"

#include <prometheus/gauge.h>

#include <string>

#include "src/cmd/version.h"

namespace gantry::cmd {

void registerBuildInfo(prometheus::Registry& registry) {
  prometheus::BuildGauge()
      .Name("gantry_build_info")
      .Help("A constant 1, labelled with the version and git commit of this gantry binary.")
      .Register(registry)
      .Add({{"version", std::string(gantryVersion())}, {"commit", std::string(gantryCommit())}})
      .Set(1);
}

}  // namespace gantry::cmd
