// Compact resource vectors for the solver's inner loops: each resource name seen in a
// solve gets a dimension, and quantities become int64 in the unit the scheduler compares
// (milli for cpu, whole units for everything else). Maps of Quantity are far too slow for
// 10,000 pods x 800 instance types.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "src/api/resources.h"
#include "src/common/status.h"

namespace gantry::binpack {

inline constexpr size_t kMaxResourceDims = 16;

struct ResourceVector {
  std::array<int64_t, kMaxResourceDims> v{};

  ResourceVector& operator+=(const ResourceVector& o) {
    for (size_t i = 0; i < kMaxResourceDims; ++i) v[i] += o.v[i];
    return *this;
  }
  ResourceVector& operator-=(const ResourceVector& o) {
    for (size_t i = 0; i < kMaxResourceDims; ++i) v[i] -= o.v[i];
    return *this;
  }
  friend ResourceVector operator+(ResourceVector a, const ResourceVector& b) { return a += b; }
  friend ResourceVector operator-(ResourceVector a, const ResourceVector& b) { return a -= b; }
  // Every dimension <= the other's.
  bool fitsIn(const ResourceVector& cap) const {
    for (size_t i = 0; i < kMaxResourceDims; ++i) {
      if (v[i] > cap.v[i]) return false;
    }
    return true;
  }
  // How many copies of `unit` fit into *this (a large number when unit is all zero).
  int64_t copiesOf(const ResourceVector& unit) const;
  ResourceVector scaled(int64_t k) const {
    ResourceVector out = *this;
    for (auto& x : out.v) x *= k;
    return out;
  }
};

// Assigns dimensions to resource names and converts between the two forms.
class ResourceDims {
 public:
  // Dimension of `name`, adding it if new. kInvalid past kMaxResourceDims.
  Result<size_t> intern(std::string_view name);
  // Converts, interning names. kInvalid when dimensions run out.
  Result<ResourceVector> toVector(const api::ResourceList& list);
  // Converts only names already interned; others are dropped (a node capacity for a
  // resource no pod asks for does not matter).
  ResourceVector toVectorKnown(const api::ResourceList& list) const;
  api::ResourceList toList(const ResourceVector& vec) const;
  const std::vector<std::string>& names() const { return names_; }
  std::optional<size_t> find(std::string_view name) const;

 private:
  std::vector<std::string> names_;
};

}  // namespace gantry::binpack
