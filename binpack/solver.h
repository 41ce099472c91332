// The bin-packing solver: pending pods + NodePools + instance types + existing capacity ->
// the cheapest set of new nodes that satisfies every constraint, and where each pod goes.
// A pure, deterministic function: same input, same output; no I/O, clock or globals.
#pragma once

#include "binpack/snapshot.h"
#include "src/api/instance_type.h"
#include "src/common/status.h"

namespace gantry::binpack {

// REQUIRES: instance types have distinct names.
// Returns kInvalid when the input cannot be planned at all (for example more than
// kMaxResourceDims distinct resource names). Pods that cannot be placed are not an error:
// they are listed in Plan::unschedulable with a reason a person understands.
Result<Plan> solve(const Snapshot& snapshot, const api::InstanceTypes& instanceTypes,
                   const Options& options = {});

}  // namespace gantry::binpack
