// The limits ledger: read once from the NodePools and their usage, then charged by a packing.
#include "binpack/pool_limits.h"

namespace gantry::binpack {

PoolLimits::PoolLimits(const Snapshot& snapshot, const CatalogIndex& index, const ResourceDims& dims)
    : index_(index) {
  for (const PoolEntry& pe : index.pools()) {
    const api::NodePool& pool = *pe.pool;
    Pool ledger;
    // remaining = limit - usage; unlimited dimensions stay at INT64_MAX.
    ledger.remaining.v.fill(std::numeric_limits<int64_t>::max());
    ledger.limited.assign(kMaxResourceDims, false);
    auto usageIt = snapshot.nodePoolUsage.find(pool.name);
    api::ResourceList usage = usageIt == snapshot.nodePoolUsage.end() ? api::ResourceList()
                                                                       : usageIt->second;
    for (const auto& [name, q] : pool.limits.entries()) {
      ledger.unlimited = false;
      if (name == api::resource::kNodes) {
        ledger.remainingNodes = q.value() - usage.get(name).value();
        continue;
      }
      size_t d = *dims.find(name);
      api::ResourceList one;
      one.set(name, q);
      api::ResourceList used;
      used.set(name, usage.get(name));
      ledger.remaining.v[d] = dims.toVectorKnown(one).v[d] - dims.toVectorKnown(used).v[d];
      ledger.limited[d] = true;
    }
    pools_.push_back(std::move(ledger));
  }
}

bool PoolLimits::allow(size_t pool, int32_t oldType, int32_t newType, bool newNode) const {
  const Pool& p = pools_[pool];
  if (newNode && p.remainingNodes < 1) return false;
  for (size_t d = 0; d < kMaxResourceDims; ++d) {
    if (!p.limited[d]) continue;
    int64_t delta = index_.limitCapacity(newType).v[d] -
                    (oldType >= 0 ? index_.limitCapacity(oldType).v[d] : 0);
    if (delta > p.remaining.v[d]) return false;
  }
  return true;
}

void PoolLimits::charge(size_t pool, int32_t oldType, int32_t newType, int64_t nodesDelta) {
  Pool& p = pools_[pool];
  p.remainingNodes -= nodesDelta;
  for (size_t d = 0; d < kMaxResourceDims; ++d) {
    if (!p.limited[d]) continue;
    if (oldType >= 0) p.remaining.v[d] += index_.limitCapacity(oldType).v[d];
    if (newType >= 0) p.remaining.v[d] -= index_.limitCapacity(newType).v[d];
  }
}

}  // namespace gantry::binpack
