// Which offerings (capacity type x zone) of an instance type a node may use: one 64-bit
// zone mask per capacity type. Requirements on zone and capacity type become masks, so
// compatibility checks in the inner loops are a few AND instructions.
#pragma once

#include <array>
#include <bit>
#include <cstdint>
#include <optional>
#include <vector>

namespace gantry::binpack {

inline constexpr size_t kCapacityTypes = 2;  // 0 = on-demand, 1 = spot
inline constexpr size_t kMaxZones = 64;

struct OfferMask {
  std::array<uint64_t, kCapacityTypes> zones{};

  static OfferMask all() { return {{~0ull, ~0ull}}; }
  static OfferMask of(uint64_t zoneMask, uint8_t capacityTypeMask) {
    OfferMask m;
    for (size_t ct = 0; ct < kCapacityTypes; ++ct) {
      if (capacityTypeMask & (1u << ct)) m.zones[ct] = zoneMask;
    }
    return m;
  }
  bool empty() const { return (zones[0] | zones[1]) == 0; }
  uint64_t anyZone() const { return zones[0] | zones[1]; }
  OfferMask& operator&=(const OfferMask& o) {
    zones[0] &= o.zones[0];
    zones[1] &= o.zones[1];
    return *this;
  }
  OfferMask& operator|=(const OfferMask& o) {
    zones[0] |= o.zones[0];
    zones[1] |= o.zones[1];
    return *this;
  }
  friend OfferMask operator&(OfferMask a, const OfferMask& b) { return a &= b; }
  friend bool operator==(const OfferMask&, const OfferMask&) = default;
};

// The zone index when the mask allows exactly one zone (of any capacity type).
inline std::optional<size_t> singleZone(const OfferMask& m) {
  const uint64_t z = m.anyZone();
  if (z == 0 || (z & (z - 1)) != 0) return std::nullopt;
  return static_cast<size_t>(std::countr_zero(z));
}

// An offer mask per instance type (index = type index in the solve's catalog).
using TypeMasks = std::vector<OfferMask>;

}  // namespace gantry::binpack
