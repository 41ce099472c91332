// The NodePool limits ledger of one packing: how much of each pool's limits (cpu, memory,
// nodes, ...) the nodes planned so far leave. The catalog index holds what never changes during
// a solve; this is the one thing a packing charges as it opens, grows, merges and drops nodes.
#pragma once

#include <cstdint>
#include <limits>
#include <vector>

#include "binpack/catalog_index.h"
#include "binpack/resource_vector.h"
#include "binpack/snapshot.h"

namespace gantry::binpack {

class PoolLimits {
 public:
  // The limits each pool of `index` sets, less what its nodes in `snapshot` already use.
  // REQUIRES: every limit's resource is interned into `dims` (CatalogIndex::build does it).
  PoolLimits(const Snapshot& snapshot, const CatalogIndex& index, const ResourceDims& dims);

  // Whether a node of `pool` may be of type `newType` instead of `oldType` (-1: it had none),
  // counting one more node when `newNode`.
  bool allow(size_t pool, int32_t oldType, int32_t newType, bool newNode) const;
  // Records that a node of `pool` changed from `oldType` to `newType` (either -1 for none)
  // and that the pool has `nodesDelta` more nodes. Never refuses: callers check allow() first.
  void charge(size_t pool, int32_t oldType, int32_t newType, int64_t nodesDelta);

  // The pool sets no limit at all, so whatever a packing charges every type stays allowed
  // (answers that depend on limits can be reused).
  bool unlimited(size_t pool) const { return pools_[pool].unlimited; }
  // Remaining node count of the pool (INT64_MAX when it does not limit nodes).
  int64_t remainingNodes(size_t pool) const { return pools_[pool].remainingNodes; }
  // Remaining room per dimension (INT64_MAX where unlimited), and which dimensions are limited.
  const ResourceVector& remaining(size_t pool) const { return pools_[pool].remaining; }
  bool limits(size_t pool, size_t dim) const { return pools_[pool].limited[dim]; }

 private:
  struct Pool {
    ResourceVector remaining;
    int64_t remainingNodes = std::numeric_limits<int64_t>::max();
    std::vector<bool> limited;  // per dimension
    bool unlimited = true;
  };
  const CatalogIndex& index_;
  std::vector<Pool> pools_;  // in index order
};

}  // namespace gantry::binpack
