// The per-solve index over instance types and NodePools: resource vectors, offering
// prices by (capacity type, zone), daemonset overhead per pool and type, and the types
// each pool allows. Built once per solve; read-only afterwards (a packing charges the pools'
// limits into its own PoolLimits).
#pragma once

#include <array>
#include <limits>
#include <string>
#include <vector>

#include "binpack/offer_mask.h"
#include "binpack/resource_vector.h"
#include "binpack/snapshot.h"
#include "src/api/instance_type.h"

namespace gantry::binpack {

inline constexpr double kNoPrice = std::numeric_limits<double>::infinity();

struct TypeEntry {
  const api::InstanceType* type = nullptr;
  ResourceVector allocatable;
  bool accelerator = false;  // has GPUs or other accelerators
  // price[ct][zone]; kNoPrice where not offered or unavailable.
  std::array<std::vector<double>, kCapacityTypes> price;
  OfferMask offered;  // where a price exists
  double minPrice = kNoPrice;
};

struct PoolEntry {
  const api::NodePool* pool = nullptr;
  // Snapshot::nodeFixedCostPerHour of the pool: what each of its nodes adds to the objective
  // besides the instance price.
  double fixedCost = 0;
  // Labels every node of this pool carries besides the type's: template labels, the
  // nodepool labels, and single-value In requirements on keys types do not define.
  api::Labels labels;
  // Offerings the pool's requirements allow, per type (empty mask = type not allowed).
  TypeMasks masks;
  // Allocatable after daemonset overhead, per type.
  std::vector<ResourceVector> allocatable;
  // Per type, the host ports of the DaemonSets that would run on it; empty (not sized) when
  // no DaemonSet binds a host port, which is the common case.
  std::vector<std::vector<api::HostPort>> daemonSetHostPorts;
  // Per-dimension maximum of `allocatable` over allowed types: a quick "can never fit".
  ResourceVector largest;
  // Types the pool allows, cheapest first (by minPrice), for early-exit scans.
  std::vector<uint32_t> typesByPrice;
  // The same split by kind: [0] types without accelerators, [1] with. A node holding GPU
  // work can only be an accelerator type and a node without never buys one, so searches
  // for a node's type scan one list (70 GPU types rather than 800).
  struct ByKind {
    std::vector<uint32_t> types;
    // prefixMax[i]: per-dimension maximum of allocatable over types[0..i]. A load that
    // exceeds prefixMax[i] in any dimension fits none of the first i+1 types, so scans for
    // it can start past them (found by binary search: the predicate is monotone).
    std::vector<ResourceVector> prefixMax;
    // First position in `types` whose type could hold `need`.
    size_t firstPossible(const ResourceVector& need) const;
  };
  std::array<ByKind, 2> byKind;
};

class CatalogIndex {
 public:
  // REQUIRES: every pod's requests are already interned into `dims` (types' resources
  // outside those dimensions are irrelevant and dropped).
  static Result<CatalogIndex> build(const Snapshot& snapshot, const api::InstanceTypes& types,
                                    ResourceDims& dims);

  const std::vector<TypeEntry>& types() const { return types_; }
  const std::vector<PoolEntry>& pools() const { return pools_; }
  const std::vector<std::string>& zones() const { return zones_; }
  const std::string& region() const { return region_; }
  std::optional<size_t> zoneIndex(std::string_view zone) const;

  // Cheapest price of type t within `mask`, with the (capacity type, zone) chosen.
  struct Price {
    double price = kNoPrice;
    size_t capacityType = 0;
    size_t zone = 0;
  };
  Price cheapest(size_t t, const OfferMask& mask) const;

  // Capacity of type t counted against pool limits (the type's full capacity).
  const ResourceVector& limitCapacity(size_t t) const { return limitCapacity_[t]; }

  // Points the pool entries at `pools` instead of the NodePools it was built from, so an index
  // can serve a later solve (CatalogIndexCache).
  // REQUIRES: `pools` equal, position by position, those it was built from in everything the
  // build reads; they must outlive the index's use.
  void rebind(const std::vector<api::NodePool>& pools);

 private:
  std::vector<TypeEntry> types_;
  std::vector<PoolEntry> pools_;
  // pools_[i] was built from the snapshot's nodePools[poolSource_[i]].
  std::vector<size_t> poolSource_;
  std::vector<std::string> zones_;
  std::vector<ResourceVector> limitCapacity_;
  std::string region_;
};

// Evaluates node-label requirements against a new node of (pool, type) without building
// its label map: zone and capacity-type keys become masks, other keys are looked up in
// the pool's labels, then the type's, then the region.
class LabelView {
 public:
  LabelView(const CatalogIndex& index, const PoolEntry& pool, const api::InstanceType& type)
      : index_(index), pool_(pool), type_(type) {}
  // Offerings of this type on which `term` (an AND) holds; empty when it cannot hold.
  OfferMask matchTerm(const std::vector<api::Requirement>& term) const;
  // Same for a nodeSelector map (key = value for each entry).
  OfferMask matchSelector(const api::Labels& selector) const;

 private:
  OfferMask matchOne(const api::Requirement& r) const;
  const std::string* lookup(std::string_view key) const;
  const CatalogIndex& index_;
  const PoolEntry& pool_;
  const api::InstanceType& type_;
};

// True for the keys that vary per offering rather than per type.
bool isZoneKey(std::string_view key);
bool isCapacityTypeKey(std::string_view key);

}  // namespace gantry::binpack
