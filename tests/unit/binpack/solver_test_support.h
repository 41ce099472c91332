// What the solver's unit tests share: a snapshot of pending pods under one open NodePool, and a
// two-type CPU catalog. Tests only.
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

}  // namespace gantry::testing
