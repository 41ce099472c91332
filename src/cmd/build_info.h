// gantry_build_info{version,commit}: a constant 1 whose labels say which build is running,
// the usual Prometheus idiom for joining a version onto other series.
#pragma once

#include <prometheus/registry.h>

namespace gantry::cmd {

// REQUIRES: registry outlives every scrape of it.
void registerBuildInfo(prometheus::Registry& registry);

}  // namespace gantry::cmd
