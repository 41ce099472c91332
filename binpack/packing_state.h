// The plain state every packing pass reads and changes: the new nodes a plan opens, the
// existing nodes it puts pods on, the NodePool limits those nodes use up, and which pods found
// no place. The greedy packer builds it, the local search and the exact search rework it, and
// the plan is read off it. Nothing else they use changes (the catalog index, the classes, the
// type chooser and the co-location rule are read only), so each pass depends on this file and
// not on the others.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "binpack/catalog_index.h"
#include "binpack/gpu_colocation.h"
#include "binpack/offer_mask.h"
#include "binpack/pool_limits.h"
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

class TypeChooser;

struct PackingState {
  // No pod placed and no new node yet; the existing nodes that can take pods (ready ones before
  // in-flight ones, then by name); the pools' limits less what their nodes already use.
  PackingState(const Snapshot& snapshot, const CatalogIndex& index, const ResourceDims& dims);
  // A TypeChooser reads `limits` by address: a copy would leave it reading the original.
  PackingState(const PackingState&) = delete;
  PackingState& operator=(const PackingState&) = delete;

  std::vector<ExistingSlot> existing;
  // In opening order. A dropped node stays, not alive (the greedy keeps indices into this
  // list), until the exact search replaces every node and clears them out.
  std::vector<NewNode> nodes;
  PoolLimits limits;  // charged for every live node in `nodes`
  std::vector<std::string> unplaced;  // per pod: reason, empty when placed or not pending
  std::vector<bool> placed;           // per pod
  // Per class: the greedy placed its pods one at a time (topology counts, host ports), each
  // checked on its own. Set by the greedy pass. The searches leave nodes holding such pods as
  // they are, since moving one would need those checks again.
  std::vector<bool> placedOneByOne;

  // Drops a new node and returns its type and node count to the pool's limits.
  void removeNode(size_t n);
  // Re-buys node n as the cheapest type that holds what it has, within its pin and the limits.
  void reprice(size_t n, const TypeChooser& chooser);
  // Whether the searches may move the node's pods: a live node of no gang whose pods were not
  // placed one by one.
  bool movable(const NewNode& node) const;
};

}  // namespace gantry::binpack
