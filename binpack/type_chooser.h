// Which NodePool and instance type a new node is bought as: the cheapest type that holds what a
// node carries, the type a fresh node for a class is opened for (lowest cost per pod), whether
// more pods still fit the type a node was opened for, and what a pod costs on a node of its own.
// Read-only over the catalog; it reads the limits ledger as the packing charges it.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <vector>

#include "binpack/catalog_index.h"
#include "binpack/gpu_colocation.h"
#include "binpack/packing_state.h"
#include "binpack/pod_class.h"
#include "binpack/pool_limits.h"

namespace gantry::binpack {

// A type and the offering it is priced by; type < 0 when nothing fits.
struct Choice {
  int32_t type = -1;
  CatalogIndex::Price price;
};

// The type a fresh node for a class is bought as, and how many of the class's pods it holds.
struct Target {
  int32_t type = -1;
  int64_t fit = 0;
  double perPod = std::numeric_limits<double>::infinity();
  double price = 0;
  // The type the same scan picks by instance price alone (as with fixedCost 0), so that
  // a caller sees whether the fixed cost moved the choice without a second scan.
  int32_t plainType = -1;
  // Kept by the greedy pass: the pool and pin the target was chosen for, and (for classes placed
  // pod by pod) what a fresh node with one pod of the class costs there (type < 0 until priced).
  size_t pool = 0;
  OfferMask pin;
  Choice single;
};

class TypeChooser {
 public:
  // `limits` is the packing's ledger, read as it changes; it must outlive the chooser.
  TypeChooser(const CatalogIndex& index, const std::vector<PodClass>& classes,
              const PoolLimits& limits);

  // Cheapest type for `node` holding its pods plus `extra` of class `add` (if any), within
  // `pin`. With checkLimits false, NodePool limits are ignored (the exact search checks them
  // for a whole partition at once). Types priced at or above priceCap are not considered
  // (nothing is returned if none is cheaper).
  Choice bestType(const NewNode& node, const ResourceVector& extra, std::optional<Member> add,
                  const OfferMask& pin, bool checkLimits = true,
                  double priceCap = std::numeric_limits<double>::infinity()) const;
  // The type a fresh node for class c should be bought as: lowest cost per pod for the
  // `remaining` pods of the class (the instance price plus `fixedCost` per node, shared by
  // the pods), how many of them it holds, and the instance price alone.
  Target chooseTarget(uint32_t c, size_t pool, bool strict, const OfferMask& pin,
                      int64_t remaining, double fixedCost) const;
  // `count` more pods of the member fit the node's budget type: the choice, at no extra cost.
  std::optional<Choice> fitsBudget(const NewNode& node, const Member& member, const OfferMask& pin,
                                   int64_t count) const;
  // Cost per pod of the `remaining` pods of class c on fresh nodes of their own within `pin`
  // (0 when no pool takes them): what growing an open node for one of them must beat.
  double standaloneCost(uint32_t c, bool strict, const OfferMask& pin, size_t remaining) const;
  // The first pool (by weight) that allows some type for class c within its limits.
  std::optional<size_t> poolFor(uint32_t c, bool strict) const;

  const TypeMasks& masksOf(const Member& m, size_t pool) const {
    return classes_[m.cls].masksFor(m.strict)[pool];
  }
  // What a node of the pool adds to the objective besides its instance price.
  double fixedCost(size_t pool) const { return index_.pools()[pool].fixedCost; }

 private:
  const CatalogIndex& index_;
  const std::vector<PodClass>& classes_;
  const PoolLimits& limits_;
  // The pool poolFor returns whatever is charged, when that is known up front (the first pool
  // the class can use sets no limits), else -1. Per class, [strict].
  std::vector<std::array<int32_t, 2>> fixedPool_;
};

}  // namespace gantry::binpack
