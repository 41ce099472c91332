// The last pass of a packing: the Plan read off its state, and what the lower bound needs to
// know of it. Reads the state only; the packing is over when this runs.
#pragma once

#include <cstdint>
#include <vector>

#include "binpack/catalog_index.h"
#include "binpack/packing_state.h"
#include "binpack/snapshot.h"
#include "binpack/type_chooser.h"

namespace gantry::binpack {

// The plan: each live new node with its type, up to `maxInstanceTypeOptions` fallback types,
// its zones and why; the pods put on existing nodes; the pods left unplaced and why.
// `chooser` must be the one the packing used (its masks say which types a node's pods allow).
Plan buildPlan(const PackingState& state, const Snapshot& snapshot, const CatalogIndex& index,
               const ResourceDims& dims, const TypeChooser& chooser, size_t maxInstanceTypeOptions);

// Per class (of `classCount`), how many of its pods the plan puts on new nodes.
std::vector<int64_t> podsPlannedPerClass(const PackingState& state, size_t classCount);

}  // namespace gantry::binpack
