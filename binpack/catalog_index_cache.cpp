#include "binpack/catalog_index_cache.h"

#include <algorithm>

namespace gantry::binpack {

namespace {

// Equal in everything but status.resources, which changes with every launch and which a solve
// never reads (usage reaches it as Snapshot::nodePoolUsage).
bool sameBesidesStatus(const api::NodePool& a, const api::NodePool& b) {
  if (a.statusResources == b.statusResources) return a == b;
  api::NodePool withA = b;
  withA.statusResources = a.statusResources;
  return a == withA;
}

}  // namespace

bool CatalogIndexCache::matches(const Entry& e, const Snapshot& snapshot,
                                const api::InstanceTypesPtr& catalog,
                                const ResourceDims& dims) const {
  return e.catalog == catalog && e.inputs.region == snapshot.region &&
         e.dimsBefore == dims.names() && e.inputs.daemonSets == snapshot.daemonSets &&
         e.inputs.nodeFixedCostPerHour == snapshot.nodeFixedCostPerHour &&
         std::equal(e.inputs.nodePools.begin(), e.inputs.nodePools.end(),
                    snapshot.nodePools.begin(), snapshot.nodePools.end(), sameBesidesStatus);
}

Result<const CatalogIndex*> CatalogIndexCache::indexFor(const Snapshot& snapshot,
                                                        const api::InstanceTypesPtr& catalog,
                                                        ResourceDims& dims) {
  if (!catalog) return fail(Status::invalid("no instance types"));
  for (auto it = entries_.begin(); it != entries_.end(); ++it) {
    if (!matches(*it, snapshot, catalog, dims)) continue;
    entries_.splice(entries_.begin(), entries_, it);
    Entry& e = entries_.front();
    dims = e.dimsAfter;
    e.index.rebind(snapshot.nodePools);
    return &e.index;
  }
  Entry e{.catalog = catalog, .inputs = {}, .dimsBefore = dims.names(), .dimsAfter = {}, .index = {}};
  e.inputs.nodePools = snapshot.nodePools;
  e.inputs.daemonSets = snapshot.daemonSets;
  e.inputs.nodeFixedCostPerHour = snapshot.nodeFixedCostPerHour;
  e.inputs.region = snapshot.region;
  auto built = CatalogIndex::build(e.inputs, *catalog, dims);
  if (!built) return fail(built.error());
  ++builds_;
  e.index = std::move(*built);
  e.dimsAfter = dims;
  entries_.push_front(std::move(e));
  if (entries_.size() > capacity_) entries_.pop_back();
  Entry& kept = entries_.front();
  kept.index.rebind(snapshot.nodePools);
  return &kept.index;
}

}  // namespace gantry::binpack
