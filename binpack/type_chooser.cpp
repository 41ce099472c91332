// The "which instance type for this node" answers, over the index's type lists: every scan
// starts at the node's kind of type (GPU or not) and stops at the first type whose cheapest
// offering cannot beat the best found, since the lists are sorted by that price.
#include "binpack/type_chooser.h"

#include <algorithm>
#include <unordered_map>

namespace gantry::binpack {

TypeChooser::TypeChooser(const CatalogIndex& index, const std::vector<PodClass>& classes,
                         const PoolLimits& limits)
    : index_(index), classes_(classes), limits_(limits) {
  // poolFor scans pools and types for every pod placed; when the first pool a class can use at
  // all sets no limits, the answer never changes. Classes that differ only in owner share
  // their masks, and the answer.
  fixedPool_.assign(classes.size(), {-1, -1});
  std::unordered_map<const ClassMasks*, size_t> firstWithMasks;
  for (size_t c = 0; c < classes.size(); ++c) {
    auto [first, isFirst] = firstWithMasks.emplace(classes[c].masks.get(), c);
    if (!isFirst) {
      fixedPool_[c] = fixedPool_[first->second];
      continue;
    }
    for (bool strict : {false, true}) {
      const auto& byPool = classes[c].masksFor(strict);
      for (size_t p = 0; p < index.pools().size(); ++p) {
        const TypeMasks& masks = byPool[p];
        const auto& types = index.pools()[p].typesByPrice;
        if (masks.empty() || std::none_of(types.begin(), types.end(), [&](uint32_t t) { return !masks[t].empty(); })) {
          continue;
        }
        if (limits.unlimited(p)) fixedPool_[c][strict] = static_cast<int32_t>(p);
        break;
      }
    }
  }
}

Choice TypeChooser::bestType(const NewNode& node, const ResourceVector& extra,
                             std::optional<Member> add, const OfferMask& pin, bool checkLimits,
                             double priceCap) const {
  const PoolEntry& pe = index_.pools()[node.pool];
  const ResourceVector need = node.used + extra;
  if (!need.fitsIn(pe.largest)) return {};
  Choice best;
  best.price.price = priceCap;
  const PoolEntry::ByKind& list = pe.byKind[typeKind(node.gpu, add ? &classes_[add->cls] : nullptr)];
  for (size_t i = list.firstPossible(need); i < list.types.size(); ++i) {
    const uint32_t t = list.types[i];
    // Types are sorted by their cheapest offering, so nothing later can beat `best`.
    if (index_.types()[t].minPrice >= best.price.price) break;
    OfferMask m = pin & pe.masks[t];
    for (const Member& mem : node.members) {
      m &= masksOf(mem, node.pool)[t];
      if (m.empty()) break;
    }
    if (add) m &= masksOf(*add, node.pool)[t];
    if (m.empty() || !need.fitsIn(pe.allocatable[t])) continue;
    if (checkLimits && !limits_.allow(node.pool, node.type, static_cast<int32_t>(t), node.type < 0)) {
      continue;
    }
    auto price = index_.cheapest(t, m);
    if (price.price < best.price.price) best = {static_cast<int32_t>(t), price};
  }
  if (best.type < 0) best.price.price = kNoPrice;
  return best;
}

Target TypeChooser::chooseTarget(uint32_t c, size_t pool, bool strict, const OfferMask& pin,
                                 int64_t remaining, double fixedCost) const {
  const PodClass& cls = classes_[c];
  const PoolEntry& pe = index_.pools()[pool];
  const TypeMasks& masks = cls.masksFor(strict)[pool];
  Target best;
  double bestPlainPerPod = std::numeric_limits<double>::infinity();
  // A class that uses accelerator types can only be on one; others never buy one.
  for (uint32_t t : pe.byKind[typeKind(cls)].types) {
    OfferMask m = pin & masks[t];
    if (m.empty() || !limits_.allow(pool, -1, static_cast<int32_t>(t), true)) continue;
    int64_t fit = std::min(remaining, pe.allocatable[t].copiesOf(cls.requests));
    if (fit <= 0) continue;
    // The fixed cost is per node, so types that hold more pods spread it thinner.
    const double price = index_.cheapest(t, m).price;
    double perPod = (price + fixedCost) / static_cast<double>(fit);
    if (perPod < best.perPod - kEpsilon) {
      best.type = static_cast<int32_t>(t);
      best.fit = fit;
      best.perPod = perPod;
      best.price = price;
    }
    const double plainPerPod = price / static_cast<double>(fit);
    if (plainPerPod < bestPlainPerPod - kEpsilon) {
      bestPlainPerPod = plainPerPod;
      best.plainType = static_cast<int32_t>(t);
    }
  }
  return best;
}

std::optional<Choice> TypeChooser::fitsBudget(const NewNode& node, const Member& member,
                                              const OfferMask& pin, int64_t count) const {
  if (node.budgetType < 0) return std::nullopt;
  const uint32_t t = static_cast<uint32_t>(node.budgetType);
  const PoolEntry& pe = index_.pools()[node.pool];
  if (typeKind(node.gpu, &classes_[member.cls]) == 0 && index_.types()[t].accelerator) return std::nullopt;
  OfferMask m = pin & pe.masks[t] & masksOf(member, node.pool)[t];
  for (const Member& mem : node.members) m &= masksOf(mem, node.pool)[t];
  if (m.empty()) return std::nullopt;
  ResourceVector need = node.used + classes_[member.cls].requests.scaled(count);
  if (!need.fitsIn(pe.allocatable[t])) return std::nullopt;
  if (!limits_.allow(node.pool, node.type, static_cast<int32_t>(t), false)) return std::nullopt;
  return Choice{static_cast<int32_t>(t), index_.cheapest(t, m)};
}

double TypeChooser::standaloneCost(uint32_t c, bool strict, const OfferMask& pin,
                                   size_t remaining) const {
  auto pool = poolFor(c, strict);
  if (!pool) return 0;
  return chooseTarget(c, *pool, strict, pin, static_cast<int64_t>(remaining), fixedCost(*pool))
      .perPod;
}

std::optional<size_t> TypeChooser::poolFor(uint32_t c, bool strict) const {
  if (const int32_t fixed = fixedPool_[c][strict]; fixed >= 0) return static_cast<size_t>(fixed);
  const PodClass& cls = classes_[c];
  for (size_t p = 0; p < index_.pools().size(); ++p) {
    const TypeMasks& masks = cls.masksFor(strict)[p];
    if (masks.empty()) continue;
    for (uint32_t t : index_.pools()[p].typesByPrice) {
      if (!masks[t].empty() && limits_.allow(p, -1, static_cast<int32_t>(t), true)) return p;
    }
  }
  return std::nullopt;
}

}  // namespace gantry::binpack
