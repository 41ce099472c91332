// The packing state and moves of one solve: existing nodes with their free capacity, the
// new nodes opened so far, and the operations the solver composes (place a class, open a
// node, re-price a node, undo a gang). Internal to binpack; solver.cpp drives it.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "binpack/catalog_index.h"
#include "binpack/pod_class.h"
#include "binpack/snapshot.h"
#include "binpack/topology.h"

namespace gantry::binpack {

// One class's membership on a node and whether it joined with its preferences.
struct Member {
  uint32_t cls;
  bool strict;
  friend bool operator==(const Member&, const Member&) = default;
};

struct NewNode {
  size_t pool = 0;
  std::vector<Member> members;       // distinct (class, strictness) pairs on this node
  std::vector<size_t> pods;          // Snapshot::pods indices, placement order
  std::vector<uint32_t> podClass;    // class of each entry in `pods`
  ResourceVector used;
  OfferMask pin = OfferMask::all();  // zone pin (topology, gangs)
  bool accelerator = false;      // holds pods that use an accelerator type
  std::set<std::string> owners;  // owners of those pods (GPU co-location rule)
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

class Packer {
 public:
  Packer(const Snapshot& snapshot, CatalogIndex& index, std::vector<PodClass>& classes,
         const ResourceDims& dims, const Options& options);

  // Places every pod of class `c`: existing nodes first, then open new nodes, then fresh
  // nodes; with preferences first, then without. Pods that cannot go anywhere get a
  // reason in unplaced().
  void placeClass(uint32_t c);
  // Gangs are all-or-nothing: removes every placement of a gang with an unplaced member.
  void enforceGangs();
  // Local search: empty nodes into others and merge pairs when that is cheaper.
  void improve();
  // Exhaustive search over partitions when few pods are on new nodes; keeps the better plan.
  void exactSearch();

  Plan buildPlan() const;

 private:
  struct Choice {
    int32_t type = -1;
    CatalogIndex::Price price;
  };
  // Cheapest type for `node` holding its pods plus `extra` of class `add` (if any).
  // With checkLimits false, NodePool limits are ignored (the exact search checks them
  // for a whole partition at once).
  Choice bestType(const NewNode& node, const ResourceVector& extra, std::optional<Member> add,
                  const OfferMask& pin, bool checkLimits = true) const;
  // The GPU co-location rule for a set of members: on a node with accelerator pods, every
  // other pod belongs to one of their owners.
  bool gpuRuleHolds(const NewNode& node) const;
  bool limitsAllow(size_t pool, int32_t oldType, int32_t newType, bool newNode) const;
  void chargeLimits(size_t pool, int32_t oldType, int32_t newType, int64_t nodesDelta);
  const TypeMasks& masksOf(const Member& m, size_t pool) const;
  std::optional<size_t> poolFor(uint32_t c, bool strict) const;
  bool placeOnExisting(uint32_t c, size_t pod, bool strict);
  bool insertIntoOpen(uint32_t c, size_t pod, bool strict, double standalone);
  int64_t bulkInsert(uint32_t c, std::vector<size_t>& pods, size_t& next, bool strict);
  bool openNode(uint32_t c, std::vector<size_t>& pods, size_t& next, bool strict);
  bool canJoin(const NewNode& node, uint32_t c) const;
  // True when the node (with class `add`, if any) holds no GPU work, so buying it a GPU
  // type would be waste: such nodes only consider accelerator-free types.
  bool plainOnly(const NewNode& node, std::optional<uint32_t> add) const;
  // Decides a zone for `node` when class c needs one; false when no zone is allowed.
  bool pinZoneFor(NewNode& node, uint32_t c, bool strict, const Member& member);
  DomainRef domainOf(const NewNode& node, size_t index) const;
  std::vector<std::string> eligibleZones(uint32_t c) const;
  void addToNode(size_t n, uint32_t c, size_t pod, bool strict, const Choice& choice);
  double standaloneCost(uint32_t c, size_t remaining, bool strict) const;
  void reprice(size_t n);
  void removeNode(size_t n);
  bool movable(const NewNode& node) const;
  bool tryMerge(size_t a, size_t b);
  bool tryEmpty(size_t a);
  std::string unplacedReason(uint32_t c) const;

  const Snapshot& snapshot_;
  CatalogIndex& index_;
  std::vector<PodClass>& classes_;
  const ResourceDims& dims_;
  const Options& options_;
  Topology topology_;
  std::vector<ExistingSlot> existing_;
  std::vector<NewNode> nodes_;
  std::vector<std::string> unplaced_;  // per pod: reason, empty when placed or not pending
  std::vector<bool> placed_;
  std::vector<std::vector<std::string>> eligibleZones_;  // per class, cached
  std::vector<std::string> limitBlocked_;                // per pool: last limit message
  std::map<std::string, OfferMask> gangPins_;
};

}  // namespace gantry::binpack
