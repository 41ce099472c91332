// Placement: existing capacity first, then nodes already opened in this plan (first fit,
// or the cheapest upgrade when that costs less than a node of its own), then new nodes
// whose type is chosen for the lowest price per pod. Pod classes arrive largest first.
#include "binpack/greedy_packer.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <numeric>
#include <unordered_map>

#include "src/api/well_known_labels.h"

namespace gantry::binpack {

namespace {
// How many recently opened nodes a replica class considers growing into a larger type.
constexpr size_t kGrowWindow = 16;
// Growth steps per class before it only opens nodes of its own (bounds the search time).
constexpr size_t kMaxGrowthsPerClass = 256;
}  // namespace

GreedyPacker::GreedyPacker(PackingState& state, const Snapshot& snapshot,
                           const CatalogIndex& index, const std::vector<PodClass>& classes,
                           const ResourceDims& dims, const TypeChooser& chooser,
                           const GpuColocation& colocation, bool fixedCostInTargets)
    : snapshot_(snapshot),
      index_(index),
      classes_(classes),
      dims_(dims),
      fixedCostInTargets_(fixedCostInTargets),
      state_(state),
      chooser_(chooser),
      topology_(classes, snapshot),
      colocation_(colocation) {
  for (auto& smallest : smallestRequest_) smallest.v.fill(std::numeric_limits<int64_t>::max());
  for (const auto& cls : classes) {
    ResourceVector& smallest = smallestRequest_[typeKind(cls)];
    for (size_t d = 0; d < kMaxResourceDims; ++d) smallest.v[d] = std::min(smallest.v[d], cls.requests.v[d]);
  }
  // Constraints keyed on other labels: may a node we launch carry the key? Only such keys
  // (usually none) cost a scan of the types.
  for (const std::string& key : topology_.otherKeys()) {
    bool launchable = key == api::label::kRegion || isCapacityTypeKey(key);
    for (const PoolEntry& pe : index.pools()) launchable = launchable || pe.labels.count(key) > 0;
    for (size_t t = 0; t < index.types().size() && !launchable; ++t) {
      launchable = index.types()[t].type->labels.count(key) > 0;
    }
    if (launchable) topology_.setLaunchableKey(key);
  }
  // Topology constraints (the counts change with every pod) and host ports (two never share
  // a node) have each pod checked on its own.
  state_.placedOneByOne.resize(classes.size());
  for (size_t c = 0; c < classes.size(); ++c) {
    state_.placedOneByOne[c] =
        classes[c].hasTopology || !classes[c].hostPorts.empty() || topology_.needsZone(c);
  }
  // Per class, the zones it could use at all (its spread domains). Classes that differ only
  // in owner share their masks, and the answer.
  eligibleZones_.resize(classes.size());
  std::unordered_map<const ClassMasks*, size_t> firstWithMasks;
  for (size_t c = 0; c < classes.size(); ++c) {
    auto [first, isFirst] = firstWithMasks.emplace(classes[c].masks.get(), c);
    if (!isFirst) {
      eligibleZones_[c] = eligibleZones_[first->second];
      continue;
    }
    uint64_t zones = 0;
    for (const auto& masks : classes[c].relaxed()) {
      for (const auto& m : masks) zones |= m.anyZone();
    }
    for (size_t z = 0; z < index.zones().size(); ++z) {
      if (zones & (1ull << z)) eligibleZones_[c].push_back(index.zones()[z]);
    }
  }
}

DomainRef GreedyPacker::domainOf(const NewNode& node, size_t index) const {
  DomainRef ref{"new/" + std::to_string(index), std::nullopt, &index_.pools()[node.pool].labels};
  if (auto z = singleZone(node.pin)) ref.zone = index_.zones()[*z];
  return ref;
}

OfferMask GreedyPacker::gangPin(uint32_t c) const {
  const std::string& gang = classes_[c].gang;
  if (auto it = gangPins_.find(gang); !gang.empty() && it != gangPins_.end()) return it->second;
  return OfferMask::all();
}

bool GreedyPacker::canJoin(const NewNode& node, uint32_t c) const {
  const PodClass& cls = classes_[c];
  if (!node.alive || node.gang != cls.gang) return false;
  if (!cls.hostPorts.empty() &&
      std::any_of(node.members.begin(), node.members.end(),
                  [&](const Member& m) { return cls.portsConflictWith(classes_[m.cls]); })) {
    return false;
  }
  // Who may share a GPU node is the pool's policy: by default only GPU work and pods of its
  // own jobs, so that the node can be reaped when the training ends.
  return colocation_.mayJoin(node.pool, node.members, node.gpu, c);
}

void GreedyPacker::addToNode(size_t n, uint32_t c, const size_t* pods, size_t count,
                             bool strict, const Choice& choice) {
  NewNode& node = state_.nodes[n];
  const PodClass& cls = classes_[c];
  Member member{c, strict};
  if (std::find(node.members.begin(), node.members.end(), member) == node.members.end()) {
    node.members.push_back(member);
  }
  node.pods.insert(node.pods.end(), pods, pods + count);
  node.podClass.insert(node.podClass.end(), count, c);
  node.used += cls.requests.scaled(static_cast<int64_t>(count));
  node.gpu.add(cls);
  state_.limits.charge(node.pool, node.type, choice.type, node.type < 0 ? 1 : 0);
  node.type = choice.type;
  node.price = choice.price;
  if (choice.price.price > node.budget) {
    node.budget = choice.price.price;
    node.budgetType = choice.type;
  }
  topology_.record(c, domainOf(node, n), static_cast<int64_t>(count));
  for (size_t i = 0; i < count; ++i) state_.placed[pods[i]] = true;
}

bool GreedyPacker::placeOnExisting(uint32_t c, size_t pod, bool strict,
                                   std::vector<size_t>& slots) {
  const PodClass& cls = classes_[c];
  const api::Pod& p = snapshot_.pods[pod];
  // A slot that refuses the pod for good (no room left: free room only shrinks while the class
  // is placed; taints, labels, host ports, a hostname anti-affinity) leaves `slots`.
  size_t kept = 0;
  size_t i = 0;
  bool placed = false;
  for (; i < slots.size() && !placed; ++i) {
    ExistingSlot& slot = state_.existing[slots[i]];
    if (!cls.requests.fitsIn(slot.free)) continue;
    const api::Node& node = *slot.node;
    if (api::firstUntolerated(node.taints, p.tolerations)) continue;
    if (!p.nodeLabelsAllowed(node.labels)) continue;
    // Host ports against the pods bound here and those this plan put here.
    if (!cls.hostPorts.empty() && (hostPortsOverlap(cls.hostPorts, node.hostPorts) ||
                                   std::any_of(slot.placed.begin(), slot.placed.end(), [&](const auto& entry) {
                                     return cls.portsConflictWith(classes_[entry.second]);
                                   }))) {
      continue;
    }
    if (strict && !std::all_of(p.preferredNodeAffinity.begin(), p.preferredNodeAffinity.end(),
                               [&](const auto& pref) { return pref.term.matches(node.labels); })) {
      continue;
    }
    std::optional<std::string> zone;
    if (auto it = node.labels.find(api::label::kZone); it != node.labels.end()) zone = it->second;
    DomainRef ref{"node/" + node.name, zone, &node.labels};
    const auto verdict = topology_.judge(c, strict, ref, eligibleZones(c));
    if (verdict == Topology::Verdict::kNever) continue;
    slots[kept++] = slots[i];
    if (verdict == Topology::Verdict::kNotNow) continue;
    slot.free -= cls.requests;
    slot.placed.emplace_back(pod, c);
    topology_.record(c, ref, 1);
    state_.placed[pod] = true;
    placed = true;
  }
  for (; i < slots.size(); ++i) slots[kept++] = slots[i];
  slots.resize(kept);
  return placed;
}

void GreedyPacker::placeClass(uint32_t c) {
  const PodClass& cls = classes_[c];
  std::vector<size_t> pending = cls.pods;
  const bool oneByOne = placedOneByOne(c);
  for (bool strict : {true, false}) {
    std::vector<size_t> rest;
    std::vector<size_t> slots(state_.existing.size());
    std::iota(slots.begin(), slots.end(), size_t{0});
    for (size_t pod : pending) {
      if (!placeOnExisting(c, pod, strict, slots)) rest.push_back(pod);
    }
    std::vector<size_t> failed;
    size_t next = 0;
    // Free room on nodes this plan already opened, at no extra cost.
    if (!oneByOne) {
      // Plain pods may also ride along on open GPU nodes where the co-location rule lets
      // them (their own job's, or as the pool's policy allows; fillNode checks each node).
      const bool rides = colocation_.mayShareGpuNodes(c);
      for (size_t kind : {size_t{0}, size_t{1}}) {
        if (kind != typeKind(cls) && !(kind == 1 && rides)) continue;
        std::vector<size_t>& list = open_[kind];
        size_t kept = 0;
        for (size_t i = 0; i < list.size(); ++i) {
          const size_t n = list[i];
          if (next < rest.size()) fillNode(n, c, rest, next, strict);
          const NewNode& node = state_.nodes[n];
          const ResourceVector room = index_.pools()[node.pool].allocatable[node.budgetType] - node.used;
          if (node.alive && smallestRequest_[kind].fitsIn(room)) list[kept++] = n;
        }
        list.resize(kept);
      }
    }
    const double standalone =
        next < rest.size() ? chooser_.standaloneCost(c, strict, gangPin(c), rest.size() - next) : 0;
    // Growing an open node into a larger type is tried until it first fails to beat a node
    // of the class's own; after that it will not succeed for identical pods either.
    // Replica classes only look at the most recently opened nodes for that: older ones
    // were filled when they were opened, and scanning thousands of nodes per pod is what
    // would make large plans slow.
    bool tryGrow = true;
    size_t grownCount = 0;
    std::vector<Target> targets;
    // A class placed pod by pod weighs every open node for each pod; insertIntoOpen drops
    // from this list the nodes that refused it for good, and the nodes it opens join it.
    std::vector<size_t> candidates;
    if (oneByOne) {
      candidates.resize(state_.nodes.size());
      std::iota(candidates.begin(), candidates.end(), size_t{0});
    }
    std::vector<size_t> window;
    while (next < rest.size()) {
      if (tryGrow || oneByOne) {
        if (!oneByOne) {
          window.clear();
          const size_t opened = state_.nodes.size();
          for (size_t n = opened <= kGrowWindow ? 0 : opened - kGrowWindow; n < opened; ++n) {
            window.push_back(n);
          }
        }
        if (auto grown = insertIntoOpen(c, rest[next], strict, standalone, oneByOne ? candidates : window)) {
          ++next;
          if (!oneByOne) fillNode(*grown, c, rest, next, strict);
          if (++grownCount < kMaxGrowthsPerClass || oneByOne) continue;
        }
        tryGrow = false;
      }
      if (!openNode(c, rest, next, strict, targets)) {
        failed.push_back(rest[next++]);
      } else if (oneByOne) {
        candidates.push_back(state_.nodes.size() - 1);
      }
    }
    pending = std::move(failed);
    if (pending.empty()) return;
  }
  std::string reason = unplacedReason(c);
  for (size_t pod : pending) state_.unplaced[pod] = reason;
}

}  // namespace gantry::binpack
