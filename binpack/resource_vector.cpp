// Conversions between ResourceList and the solver's fixed-width vectors.
#include "binpack/resource_vector.h"

#include <limits>

namespace gantry::binpack {

namespace {

// cpu is compared in millicores like the scheduler; everything else in whole units
// (bytes for memory, devices for GPUs), rounded up as the scheduler does.
int64_t scalarOf(std::string_view name, const api::Quantity& q) {
  return name == api::resource::kCpu ? q.milliValue() : q.value();
}

api::Quantity quantityOf(std::string_view name, int64_t v) {
  if (name == api::resource::kCpu) return api::Quantity::fromMilli(v);
  if (name == api::resource::kMemory || name == api::resource::kEphemeralStorage) {
    return api::Quantity::fromValue(v, api::Quantity::Format::kBinarySI);
  }
  return api::Quantity::fromValue(v);
}

}  // namespace

int64_t ResourceVector::copiesOf(const ResourceVector& unit) const {
  int64_t best = std::numeric_limits<int64_t>::max();
  for (size_t i = 0; i < kMaxResourceDims; ++i) {
    if (unit.v[i] <= 0) continue;
    if (v[i] < unit.v[i]) return 0;
    best = std::min(best, v[i] / unit.v[i]);
  }
  return best;
}

Result<size_t> ResourceDims::intern(std::string_view name) {
  if (auto i = find(name)) return *i;
  if (names_.size() == kMaxResourceDims) {
    return fail(Status::invalid("more than " + std::to_string(kMaxResourceDims) +
                                " distinct resource names; cannot plan \"" + std::string(name) + "\""));
  }
  names_.emplace_back(name);
  return names_.size() - 1;
}

std::optional<size_t> ResourceDims::find(std::string_view name) const {
  for (size_t i = 0; i < names_.size(); ++i) {
    if (names_[i] == name) return i;
  }
  return std::nullopt;
}

Result<ResourceVector> ResourceDims::toVector(const api::ResourceList& list) {
  ResourceVector out;
  for (const auto& [name, q] : list.entries()) {
    auto dim = intern(name);
    if (!dim) return fail(dim.error());
    out.v[*dim] = scalarOf(name, q);
  }
  return out;
}

ResourceVector ResourceDims::toVectorKnown(const api::ResourceList& list) const {
  ResourceVector out;
  for (size_t i = 0; i < names_.size(); ++i) out.v[i] = scalarOf(names_[i], list.get(names_[i]));
  return out;
}

api::ResourceList ResourceDims::toList(const ResourceVector& vec) const {
  api::ResourceList out;
  for (size_t i = 0; i < names_.size(); ++i) {
    if (vec.v[i] != 0) out.set(names_[i], quantityOf(names_[i], vec.v[i]));
  }
  return out;
}

}  // namespace gantry::binpack
