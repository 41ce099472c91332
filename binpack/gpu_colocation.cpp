#include "binpack/gpu_colocation.h"

#include <algorithm>

namespace gantry::binpack {

GpuColocation::GpuColocation(const CatalogIndex& index, const std::vector<PodClass>& classes)
    : index_(index), classes_(classes) {
  for (const PoolEntry& pe : index.pools()) policy_.push_back(api::gpuIsolationOf(*pe.pool));
  std::set<std::string> gpuOwners;
  for (const PodClass& cls : classes) {
    if (cls.usesAcceleratorType()) gpuOwners.insert(cls.owner);
  }
  sharesGpuNodes_.resize(classes.size(), false);
  for (size_t c = 0; c < classes.size(); ++c) {
    const PodClass& cls = classes[c];
    if (cls.usesAcceleratorType()) continue;
    sharesGpuNodes_[c] =
        gpuOwners.contains(cls.owner) ||
        std::any_of(policy_.begin(), policy_.end(), [&](api::GpuIsolation p) {
          return p == api::GpuIsolation::kOff || (p == api::GpuIsolation::kBatch && cls.jobOwned);
        });
  }
}

bool GpuColocation::plainMayJoin(size_t pool, const PodClass& plain,
                                 const std::set<std::string>& owners,
                                 std::string_view joiningOwner) const {
  switch (policy_[pool]) {
    case api::GpuIsolation::kOff:
      return true;
    case api::GpuIsolation::kBatch:
      if (plain.jobOwned) return true;
      break;
    case api::GpuIsolation::kStrict:
      break;
  }
  return plain.owner == joiningOwner || owners.contains(plain.owner);
}

bool GpuColocation::mayJoin(size_t pool, const std::vector<Member>& members, const GpuWork& gpu,
                            uint32_t c) const {
  const PodClass& cls = classes_[c];
  if (!cls.usesAcceleratorType()) return !gpu.any || plainMayJoin(pool, cls, gpu.owners);
  // GPU work joining: the plain pods already there must be welcome next to its owner too.
  return std::all_of(members.begin(), members.end(), [&](const Member& m) {
    const PodClass& other = classes_[m.cls];
    return other.usesAcceleratorType() || plainMayJoin(pool, other, gpu.owners, cls.owner);
  });
}

bool GpuColocation::holds(size_t pool, const std::vector<Member>& members,
                          const GpuWork& gpu) const {
  if (!gpu.any) return true;
  return std::all_of(members.begin(), members.end(), [&](const Member& m) {
    const PodClass& cls = classes_[m.cls];
    return cls.usesAcceleratorType() || plainMayJoin(pool, cls, gpu.owners);
  });
}

std::string GpuColocation::describe() const {
  const bool uniform = std::all_of(policy_.begin(), policy_.end(),
                                   [&](api::GpuIsolation p) { return p == policy_.front(); });
  if (policy_.empty() || uniform) {
    const auto policy = policy_.empty() ? api::GpuIsolation::kStrict : policy_.front();
    return std::string(api::toString(policy));
  }
  std::string out;
  for (size_t p = 0; p < policy_.size(); ++p) {
    if (!out.empty()) out += ", ";
    out += index_.pools()[p].pool->name + "=" + std::string(api::toString(policy_[p]));
  }
  return out;
}

}  // namespace gantry::binpack
