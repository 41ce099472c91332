// The plain state every packing pass reads and changes: the new nodes a plan opens and the
// existing nodes it puts pods on. The greedy packer builds it, the local search and the exact
// search rework it, and the plan is read off it.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "binpack/catalog_index.h"
#include "binpack/gpu_colocation.h"
#include "binpack/offer_mask.h"
#include "binpack/resource_vector.h"
#include "binpack/snapshot.h"

namespace gantry::binpack {

// Prices closer than this are equal (sums of per-hour prices in double).
inline constexpr double kEpsilon = 1e-9;

struct NewNode {
  size_t pool = 0;
  std::vector<Member> members;       // distinct (class, strictness) pairs on this node
  std::vector<size_t> pods;          // Snapshot::pods indices, placement order
  std::vector<uint32_t> podClass;    // class of each entry in `pods`
  ResourceVector used;
  OfferMask pin = OfferMask::all();  // zone pin (topology, gangs)
  GpuWork gpu;                       // what the GPU co-location rule and the type kind read
  std::string gang;
  // The type the node was opened (or last grown) for; insertions that still fit it cost
  // nothing extra, which keeps a node opened for four pods from being priced per pod.
  int32_t budgetType = -1;
  double budget = 0;
  // Current cheapest fitting type and its offering.
  int32_t type = -1;
  CatalogIndex::Price price;
  bool alive = true;
};

struct ExistingSlot {
  const api::Node* node = nullptr;
  ResourceVector free;
  std::vector<std::pair<size_t, uint32_t>> placed;  // (pod index, class)
};

}  // namespace gantry::binpack
