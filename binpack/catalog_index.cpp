// Building the per-solve catalog index: zones are numbered, prices tabulated per offering,
// and each NodePool's requirements, labels and daemonset overhead precomputed.
#include "binpack/catalog_index.h"

#include <algorithm>
#include <set>

#include "src/api/well_known_labels.h"

namespace gantry::binpack {

namespace label = api::label;

bool isZoneKey(std::string_view key) { return key == label::kZone || key == label::kLegacyZone; }

bool isCapacityTypeKey(std::string_view key) {
  return key == label::kCapacityType || key == label::kKarpenterCapacityType;
}

namespace {

constexpr std::array<std::string_view, kCapacityTypes> kCapacityTypeNames = {"on-demand", "spot"};

size_t capacityTypeIndex(api::CapacityType ct) { return ct == api::CapacityType::kSpot ? 1 : 0; }

// The labels a pool adds to every node: template labels, its own name, and a value for
// each single-valued In requirement on a key that no instance type defines (Karpenter
// turns such requirements into node labels).
api::Labels poolLabels(const api::NodePool& pool, const api::InstanceTypes& types) {
  api::Labels out = pool.labels;
  out[std::string(label::kNodePool)] = pool.name;
  out[std::string(label::kKarpenterNodePool)] = pool.name;
  for (const auto& r : pool.requirements) {
    if (r.op != api::SelectorOp::kIn || r.values.size() != 1) continue;
    if (isZoneKey(r.key) || isCapacityTypeKey(r.key) || r.key == label::kRegion) continue;
    bool typeDefined = std::any_of(types.begin(), types.end(),
                                   [&](const api::InstanceType& t) { return t.labels.count(r.key) > 0; });
    if (!typeDefined && !out.count(r.key)) out[r.key] = r.values.front();
  }
  return out;
}

}  // namespace

size_t PoolEntry::ByKind::firstPossible(const ResourceVector& need) const {
  auto it = std::partition_point(prefixMax.begin(), prefixMax.end(),
                                 [&](const ResourceVector& m) { return !need.fitsIn(m); });
  return static_cast<size_t>(it - prefixMax.begin());
}

std::optional<size_t> CatalogIndex::zoneIndex(std::string_view zone) const {
  auto it = std::lower_bound(zones_.begin(), zones_.end(), zone);
  if (it == zones_.end() || *it != zone) return std::nullopt;
  return static_cast<size_t>(it - zones_.begin());
}

CatalogIndex::Price CatalogIndex::cheapest(size_t t, const OfferMask& mask) const {
  Price best;
  const TypeEntry& e = types_[t];
  for (size_t ct = 0; ct < kCapacityTypes; ++ct) {
    uint64_t bits = mask.zones[ct] & e.offered.zones[ct];
    while (bits) {
      size_t z = static_cast<size_t>(std::countr_zero(bits));
      bits &= bits - 1;
      // Ties prefer on-demand and the lower zone index, which keeps results deterministic.
      if (e.price[ct][z] < best.price) best = {e.price[ct][z], ct, z};
    }
  }
  return best;
}

Result<CatalogIndex> CatalogIndex::build(const Snapshot& snapshot, const api::InstanceTypes& types,
                                         ResourceDims& dims) {
  CatalogIndex idx;
  idx.region_ = snapshot.region;
  std::set<std::string> zoneSet;
  for (const auto& t : types) {
    for (const auto& o : t.offerings) zoneSet.insert(o.zone);
  }
  if (zoneSet.size() > kMaxZones) {
    return fail(Status::invalid("more than 64 zones in the instance type offerings"));
  }
  idx.zones_.assign(zoneSet.begin(), zoneSet.end());
  // Limits are charged by PoolLimits, in dimensions of their own when no pod requests them.
  for (const auto& pool : snapshot.nodePools) {
    for (const auto& [name, q] : pool.limits.entries()) {
      if (name == api::resource::kNodes) continue;
      if (auto d = dims.intern(name); !d) return fail(d.error());
    }
  }

  idx.types_.reserve(types.size());
  for (const auto& t : types) {
    TypeEntry e;
    e.type = &t;
    e.allocatable = dims.toVectorKnown(t.allocatable());
    e.accelerator = (t.gpu && t.gpu->count > 0) || (t.accelerator && t.accelerator->count > 0);
    for (auto& row : e.price) row.assign(idx.zones_.size(), kNoPrice);
    for (const auto& o : t.offerings) {
      if (!o.available) continue;
      size_t ct = capacityTypeIndex(o.capacityType);
      size_t z = *idx.zoneIndex(o.zone);
      e.price[ct][z] = std::min(e.price[ct][z], o.pricePerHour);
      e.offered.zones[ct] |= 1ull << z;
      e.minPrice = std::min(e.minPrice, o.pricePerHour);
    }
    idx.limitCapacity_.push_back(dims.toVectorKnown(t.capacity));
    idx.types_.push_back(std::move(e));
  }

  // Pools: higher weight first, then by name, so the order never depends on input order.
  std::vector<const api::NodePool*> order;
  for (const auto& p : snapshot.nodePools) order.push_back(&p);
  std::stable_sort(order.begin(), order.end(), [](const api::NodePool* a, const api::NodePool* b) {
    return a->weight != b->weight ? a->weight > b->weight : a->name < b->name;
  });

  for (const api::NodePool* pool : order) {
    PoolEntry pe;
    pe.pool = pool;
    if (auto it = snapshot.nodeFixedCostPerHour.find(pool->name);
        it != snapshot.nodeFixedCostPerHour.end()) {
      pe.fixedCost = it->second;
    }
    pe.labels = poolLabels(*pool, types);
    pe.masks.resize(types.size());
    pe.allocatable.resize(types.size());
    for (size_t t = 0; t < types.size(); ++t) {
      LabelView view(idx, pe, types[t]);
      OfferMask m = view.matchTerm(pool->requirements) & idx.types_[t].offered;
      if (m.empty()) continue;
      pe.masks[t] = m;
      // Daemonsets that would land on this node take their requests off the top.
      ResourceVector alloc = idx.types_[t].allocatable;
      for (const auto& ds : snapshot.daemonSets) {
        if (api::firstUntolerated(pool->taints, ds.tolerations)) continue;
        if (view.matchSelector(ds.nodeSelector).empty()) continue;
        if (!ds.requiredNodeAffinity.empty()) {
          OfferMask any;
          for (const auto& term : ds.requiredNodeAffinity.terms) {
            if (!term.requirements.empty()) any |= view.matchTerm(term.requirements);
          }
          if (any.empty()) continue;
        }
        alloc -= dims.toVectorKnown(ds.requests);
        if (auto pd = dims.find(api::resource::kPods)) alloc.v[*pd] -= 1;
        if (!ds.hostPorts.empty()) {
          pe.daemonSetHostPorts.resize(types.size());
          auto& held = pe.daemonSetHostPorts[t];
          held.insert(held.end(), ds.hostPorts.begin(), ds.hostPorts.end());
        }
      }
      pe.allocatable[t] = alloc;
      for (size_t d = 0; d < kMaxResourceDims; ++d) pe.largest.v[d] = std::max(pe.largest.v[d], alloc.v[d]);
      pe.typesByPrice.push_back(static_cast<uint32_t>(t));
    }
    std::stable_sort(pe.typesByPrice.begin(), pe.typesByPrice.end(), [&](uint32_t a, uint32_t b) {
      return idx.types_[a].minPrice < idx.types_[b].minPrice;
    });
    std::array<ResourceVector, 2> running;
    for (auto& r : running) r.v.fill(std::numeric_limits<int64_t>::min());
    for (uint32_t t : pe.typesByPrice) {
      const size_t kind = idx.types_[t].accelerator ? 1 : 0;
      for (size_t d = 0; d < kMaxResourceDims; ++d) {
        running[kind].v[d] = std::max(running[kind].v[d], pe.allocatable[t].v[d]);
      }
      pe.byKind[kind].types.push_back(t);
      pe.byKind[kind].prefixMax.push_back(running[kind]);
    }
    idx.poolSource_.push_back(static_cast<size_t>(pool - snapshot.nodePools.data()));
    idx.pools_.push_back(std::move(pe));
  }
  return idx;
}

void CatalogIndex::rebind(const std::vector<api::NodePool>& pools) {
  for (size_t i = 0; i < pools_.size(); ++i) pools_[i].pool = &pools[poolSource_[i]];
}

const std::string* LabelView::lookup(std::string_view key) const {
  if (auto it = pool_.labels.find(key); it != pool_.labels.end()) return &it->second;
  if (auto it = type_.labels.find(key); it != type_.labels.end()) return &it->second;
  if (key == label::kRegion && !index_.region().empty()) return &index_.region();
  return nullptr;
}

OfferMask LabelView::matchOne(const api::Requirement& r) const {
  if (isZoneKey(r.key)) {
    uint64_t mask = 0;
    for (size_t z = 0; z < index_.zones().size(); ++z) {
      if (r.matchesValue(index_.zones()[z])) mask |= 1ull << z;
    }
    return OfferMask::of(mask, 0b11);
  }
  if (isCapacityTypeKey(r.key)) {
    uint8_t cts = 0;
    for (size_t ct = 0; ct < kCapacityTypes; ++ct) {
      if (r.matchesValue(kCapacityTypeNames[ct])) cts |= static_cast<uint8_t>(1u << ct);
    }
    return OfferMask::of(~0ull, cts);
  }
  const std::string* value = lookup(r.key);
  bool ok = value ? r.matchesValue(std::string_view(*value)) : r.matchesValue(std::nullopt);
  return ok ? OfferMask::all() : OfferMask{};
}

OfferMask LabelView::matchTerm(const std::vector<api::Requirement>& term) const {
  OfferMask m = OfferMask::all();
  for (const auto& r : term) {
    m &= matchOne(r);
    if (m.empty()) break;
  }
  return m;
}

OfferMask LabelView::matchSelector(const api::Labels& selector) const {
  OfferMask m = OfferMask::all();
  for (const auto& [k, v] : selector) {
    m &= matchOne(api::Requirement{k, api::SelectorOp::kIn, {v}});
    if (m.empty()) break;
  }
  return m;
}

}  // namespace gantry::binpack
