// The local-search pass: reworks the new nodes of a packing, pair by pair, where that lowers
// the price. See run().
#pragma once

#include <cstddef>

#include "binpack/catalog_index.h"
#include "binpack/gpu_colocation.h"
#include "binpack/packing_state.h"
#include "binpack/type_chooser.h"

namespace gantry::binpack {

class LocalSearch {
 public:
  // `chooser` must read `state.limits` (merges charge and release them).
  LocalSearch(PackingState& state, const CatalogIndex& index, const TypeChooser& chooser,
              const GpuColocation& colocation);

  // Up to `rounds` rounds of merges: the movable nodes well below their type's capacity
  // (mostly each class's last node), cheapest first, each fold into the first later one with
  // which a single node costs less than the two; then every live node is re-bought at its
  // cheapest type. A round without a merge ends the search. With fewer than two candidates or
  // too many (the search is quadratic; local_search.cpp has the bounds) no merge is tried; the
  // nodes are still re-bought.
  void run(int rounds);

 private:
  // Share of the node's type used by its pods, in the fullest resource.
  double utilization(const NewNode& node) const;
  // Folds node b into node a when one node of their pool holds both for less than the two
  // (limits and the GPU co-location rule allowing); b is then no longer alive.
  bool tryMerge(size_t a, size_t b);

  PackingState& state_;
  const CatalogIndex& index_;
  const TypeChooser& chooser_;
  const GpuColocation& colocation_;
};

}  // namespace gantry::binpack
