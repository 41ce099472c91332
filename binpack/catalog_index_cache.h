// Reuse of the catalog index across solves. A host that solves again and again over the same
// catalog and NodePools (the controller's provisioning passes, the simulator's) would rebuild
// the same index every time: every type's offerings tabulated and every pool's requirements
// and DaemonSets matched against every type, a few milliseconds over the full catalog.
#pragma once

#include <list>
#include <memory>
#include <string>
#include <vector>

#include "binpack/catalog_index.h"
#include "binpack/resource_vector.h"
#include "binpack/snapshot.h"
#include "src/api/instance_type.h"
#include "src/common/status.h"

namespace gantry::binpack {

// Not thread-safe: one per solving host.
class CatalogIndexCache {
 public:
  explicit CatalogIndexCache(size_t capacity = 4) : capacity_(capacity) {}

  // The index for this snapshot and catalog, as CatalogIndex::build(snapshot, *catalog, dims)
  // would make it: a kept one when everything a build reads is equal (the same catalog object,
  // the region, the dimensions interned so far, the DaemonSets, the fixed costs per node, and
  // the NodePools in order, their status aside), pointed at this snapshot's NodePools; else a
  // new build, kept in place of the least recently used. `dims` ends as the build leaves it.
  // The index is valid until the next call, and only while `snapshot` lives.
  Result<const CatalogIndex*> indexFor(const Snapshot& snapshot,
                                       const api::InstanceTypesPtr& catalog, ResourceDims& dims);

  size_t builds() const { return builds_; }  // for tests: how many times it had to build

 private:
  struct Entry {
    api::InstanceTypesPtr catalog;  // held: identity is the key, so it must not be reused
    Snapshot inputs;                // NodePools, DaemonSets, fixed costs, region; no pods
    std::vector<std::string> dimsBefore;
    ResourceDims dimsAfter;
    CatalogIndex index;
  };
  bool matches(const Entry& e, const Snapshot& snapshot, const api::InstanceTypesPtr& catalog,
               const ResourceDims& dims) const;

  size_t capacity_;
  size_t builds_ = 0;
  std::list<Entry> entries_;  // most recently used first; a list, so pool pointers stay put
};

}  // namespace gantry::binpack
