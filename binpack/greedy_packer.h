// The greedy pass, the first of a packing: places the pod classes one after another (largest
// first) into a PackingState, on existing nodes, on new nodes it opened, or on fresh ones, and
// then undoes the gangs that did not fit whole. It alone keeps the topology counts: the passes
// after it leave the nodes of pods placed one at a time as they are.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "binpack/catalog_index.h"
#include "binpack/gpu_colocation.h"
#include "binpack/packing_state.h"
#include "binpack/pod_class.h"
#include "binpack/snapshot.h"
#include "binpack/topology.h"
#include "binpack/type_chooser.h"

namespace gantry::binpack {

class GreedyPacker {
 public:
  // Packs into `state`, whose limits `chooser` reads, and sets state.placedOneByOne.
  // `fixedCostInTargets`: whether the type a fresh node is bought as counts the pool's fixed
  // cost per node (fewer, larger nodes); every comparison of whole nodes counts it anyway.
  GreedyPacker(PackingState& state, const Snapshot& snapshot, const CatalogIndex& index,
               const std::vector<PodClass>& classes, const ResourceDims& dims,
               const TypeChooser& chooser, const GpuColocation& colocation,
               bool fixedCostInTargets);

  // Whether counting fixed costs made some fresh node's target type differ from the one
  // chosen by instance price alone (so that fixedCostInTargets changed the packing).
  bool fixedCostMovedATarget() const { return fixedCostMovedATarget_; }

  // Places every pod of class `c`: existing nodes first, then open new nodes, then fresh
  // nodes; with preferences first, then without. Pods that cannot go anywhere get a
  // reason in state.unplaced.
  void placeClass(uint32_t c);
  // Gangs are all-or-nothing: removes every placement of a gang with an unplaced member.
  void enforceGangs();

 private:
  // Puts the pod on the first of `slots` (indices into state.existing) that takes it. Drops the
  // slots that can never take a pod of class c while it is being placed, as insertIntoOpen does.
  bool placeOnExisting(uint32_t c, size_t pod, bool strict, std::vector<size_t>& slots);
  // Puts one pod on the node among `candidates` (indices into state.nodes, opening order) where
  // it costs least, if that beats `standalone`; returns the node. Drops from `candidates` the
  // nodes that can never take a pod of class c while it is being placed (a different pool,
  // no room even when grown, refused by a hostname spread or anti-affinity), so a class
  // placed pod by pod looks at such a node once instead of once per pod.
  // REQUIRES: `standalone` and the NodePool limits only change between calls as placing
  // class c changes them (limits only tighten then).
  std::optional<size_t> insertIntoOpen(uint32_t c, size_t pod, bool strict, double standalone,
                                       std::vector<size_t>& candidates);
  // Adds as many of pods[next..] to node n as fit its budget type.
  void fillNode(size_t n, uint32_t c, const std::vector<size_t>& pods, size_t& next, bool strict);
  // Opens a node for pods[next..], filled to its target type (one pod when topology applies).
  // `targets` holds the types chosen for the class's earlier nodes, reused while still valid.
  bool openNode(uint32_t c, const std::vector<size_t>& pods, size_t& next, bool strict,
                std::vector<Target>& targets);
  bool canJoin(const NewNode& node, uint32_t c) const;
  // Classes whose pods go one at a time, each checked on its own (see the constructor).
  bool placedOneByOne(uint32_t c) const { return state_.placedOneByOne[c]; }
  // The node's pin with a zone decided for class c when c needs one; nullopt when no zone
  // is allowed. A node pinned to one zone keeps its pin or gets nullopt (whether a type is
  // offered there is left to the pricing that follows).
  std::optional<OfferMask> pinFor(const NewNode& node, uint32_t c, bool strict,
                                  const Member& member) const;
  // Zones where some type of the node's pool is offered to its members and `member`.
  uint64_t possibleZones(const NewNode& node, const Member& member) const;
  // Offerings of the node's pool where some type is offered to its members and `member`,
  // before the node's pin. Cached by (pool, member, members): a class placed pod by pod under a
  // zone spread asks for every open node for each pod, and nodes holding the same classes are
  // many (scanning every type of the pool for each was most of a large plan's time).
  const OfferMask& offersFor(const NewNode& node, const Member& member) const;
  mutable std::unordered_map<std::string, OfferMask> offersFor_;
  DomainRef domainOf(const NewNode& node, size_t index) const;
  // The zone a gang's first node pinned it to (every zone before that, and for other classes).
  OfferMask gangPin(uint32_t c) const;
  const std::vector<std::string>& eligibleZones(uint32_t c) const { return eligibleZones_[c]; }
  void addToNode(size_t n, uint32_t c, const size_t* pods, size_t count, bool strict,
                 const Choice& choice);
  std::string unplacedReason(uint32_t c) const;

  const Snapshot& snapshot_;
  const CatalogIndex& index_;
  const std::vector<PodClass>& classes_;
  const ResourceDims& dims_;
  const bool fixedCostInTargets_;
  PackingState& state_;
  const TypeChooser& chooser_;
  bool fixedCostMovedATarget_ = false;
  Topology topology_;
  const GpuColocation& colocation_;
  // Nodes whose budget type may still have room, in opening order, kept apart for GPU work
  // ([1]) and other work ([0]) since the co-location rule rarely lets them mix. A node drops
  // out for good once the smallest request of any class of its kind no longer fits.
  std::array<std::vector<size_t>, 2> open_;
  std::array<ResourceVector, 2> smallestRequest_;
  std::vector<std::vector<std::string>> eligibleZones_;  // per class, cached
  std::map<std::string, OfferMask> gangPins_;
};

}  // namespace gantry::binpack
