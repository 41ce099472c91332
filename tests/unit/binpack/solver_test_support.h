// What the solver's unit tests share: a snapshot of pending pods under one open NodePool, and
// small catalogs. Tests only.
#pragma once

#include <utility>
#include <vector>

#include "binpack/snapshot.h"
#include "tests/support/builders.h"

namespace gantry::testing {

// `pods` pending, one NodePool that allows everything, no existing nodes.
inline binpack::Snapshot snapshotWith(std::vector<api::Pod> pods) {
  binpack::Snapshot s;
  s.pods = std::move(pods);
  s.nodePools = {openPool()};
  return s;
}

// Two CPU types, the smaller at half the price of the larger.
inline api::InstanceTypes cpuCatalog() {
  return makeTypes({{"c.large", "2", "4Gi", 0.08}, {"c.xlarge", "4", "8Gi", 0.16}});
}

// CPU, NVIDIA (1, 4 and 8 GPUs) and one AMD GPU type, priced so the cheapest fit is clear.
inline api::InstanceTypes gpuCatalog() {
  return makeTypes({
      {"c.large", "2", "4Gi", 0.08},
      {"c.xlarge", "4", "8Gi", 0.16},
      {"c.4xlarge", "16", "32Gi", 0.64},
      {"g.xlarge", "4", "16Gi", 0.526, 1},
      {"g.12xlarge", "48", "192Gi", 3.912, 4},
      {"p.24xlarge", "96", "1152Gi", 32.77, 8},
      {"amd.xlarge", "4", "16Gi", 0.40, 1, "AMD"},
  });
}

}  // namespace gantry::testing
