// Naming the requirement that leaves a pod no instance type in a pool; see pool_rejection.h.
#include "binpack/pool_rejection.h"

#include <vector>

namespace gantry::binpack {
namespace {

// Do the two keys name the same node property (Gantry's and Karpenter's spellings)?
bool sameProperty(std::string_view a, std::string_view b) {
  return a == b || (isCapacityTypeKey(a) && isCapacityTypeKey(b)) || (isZoneKey(a) && isZoneKey(b));
}

// Does `r` hold for some offering of some type the pool allows (or, with allTypes, of any type
// in the catalog that has an offering)?
bool anyTypeMatches(const api::Requirement& r, const CatalogIndex& index, const PoolEntry& pool,
                    bool allTypes) {
  const std::vector<api::Requirement> term = {r};
  for (size_t t = 0; t < index.types().size(); ++t) {
    const OfferMask allowed = allTypes ? index.types()[t].offered : pool.masks[t];
    if (allowed.empty()) continue;
    LabelView view(index, pool, *index.types()[t].type);
    if (!(view.matchTerm(term) & allowed).empty()) return true;
  }
  return false;
}

// The pool allows no type at all: its requirements (or the catalog) are at fault.
std::string poolRequirementRejection(const CatalogIndex& index, const PoolEntry& pool) {
  const std::string name = "NodePool " + pool.pool->name;
  for (const api::Requirement& r : pool.pool->requirements) {
    if (!anyTypeMatches(r, index, pool, true)) {
      return name + "'s requirement " + r.toString() +
             " matches no instance type (label values are case-sensitive; `gantry catalog` "
             "lists them)";
    }
  }
  if (pool.pool->requirements.empty()) return name + " has no instance type with an offering";
  std::string all;
  for (const api::Requirement& r : pool.pool->requirements) {
    all += (all.empty() ? "" : ", ") + r.toString();
  }
  return name + "'s requirements together match no instance type: " + all;
}

}  // namespace

std::string selectorRejection(const api::Pod& pod, const CatalogIndex& index,
                              const PoolEntry& pool) {
  if (pool.typesByPrice.empty()) return poolRequirementRejection(index, pool);
  const std::string name = "NodePool " + pool.pool->name;
  // The pod's requirements one by one: the nodeSelector, and the required affinity when it
  // has a single term (with several, no one requirement is to blame).
  std::vector<api::Requirement> podRequirements;
  for (const auto& [key, value] : pod.nodeSelector) {
    podRequirements.push_back({key, api::SelectorOp::kIn, {value}});
  }
  if (pod.requiredNodeAffinity.terms.size() == 1) {
    const auto& term = pod.requiredNodeAffinity.terms.front().requirements;
    podRequirements.insert(podRequirements.end(), term.begin(), term.end());
  }
  for (const api::Requirement& mine : podRequirements) {
    if (anyTypeMatches(mine, index, pool, false)) continue;
    for (const api::Requirement& theirs : pool.pool->requirements) {
      if (!sameProperty(mine.key, theirs.key)) continue;
      return "the pod's node selector " + mine.toString() + " conflicts with " + name +
             "'s requirement " + theirs.toString();
    }
    return "no instance type in " + name + " matches the pod's node selector " +
           mine.toString();
  }
  return "no instance type in " + name +
         " matches the pod's node selector and required affinity together";
}

}  // namespace gantry::binpack
