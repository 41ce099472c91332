// The bin-packing solver: pending pods + NodePools + instance types + existing capacity ->
// the cheapest set of new nodes that satisfies every constraint, and where each pod goes.
// A pure, deterministic function: same input, same output; no I/O, clock or globals.
#pragma once

#include "binpack/snapshot.h"
#include "src/api/instance_type.h"
#include "src/common/status.h"

namespace gantry::binpack {

class CatalogIndexCache;  // catalog_index_cache.h

// REQUIRES: instance types have distinct names.
// Returns kInvalid when the input cannot be planned at all (for example more than
// kMaxResourceDims distinct resource names). Pods that cannot be placed are not an error:
// they are listed in Plan::unschedulable with a reason a person understands.
Result<Plan> solve(const Snapshot& snapshot, const api::InstanceTypes& instanceTypes,
                   const Options& options = {});

// The same plan, with the catalog index taken from `indexes` when an earlier solve built it
// over equal inputs (catalog_index_cache.h): for hosts that solve many times over one catalog.
Result<Plan> solve(const Snapshot& snapshot, const api::InstanceTypesPtr& instanceTypes,
                   const Options& options, CatalogIndexCache& indexes);

}  // namespace gantry::binpack
