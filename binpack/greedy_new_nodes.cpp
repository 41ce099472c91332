// Placement on nodes this plan opens: the type a fresh node is bought as, the zone it is pinned
// to, growing an open node into a larger type when that beats a node of the class's own, and
// filling a node up to the type it was opened for. GreedyPacker::placeClass drives these.
#include <algorithm>

#include "binpack/greedy_packer.h"

namespace gantry::binpack {

const OfferMask& GreedyPacker::offersFor(const NewNode& node, const Member& member) const {
  std::string key;
  auto append = [&key](const auto& value) {
    key.append(reinterpret_cast<const char*>(&value), sizeof value);
  };
  // Members field by field: their padding bytes are not part of the value.
  auto appendMember = [&append](const Member& m) {
    append(m.cls);
    append(m.strict);
  };
  append(node.pool);
  appendMember(member);
  for (const Member& mem : node.members) appendMember(mem);
  auto [it, fresh] = offersFor_.try_emplace(std::move(key));
  if (!fresh) return it->second;
  const PoolEntry& pe = index_.pools()[node.pool];
  OfferMask offers;
  for (uint32_t t : pe.typesByPrice) {
    OfferMask m = pe.masks[t] & chooser_.masksOf(member, node.pool)[t];
    for (const Member& mem : node.members) m &= chooser_.masksOf(mem, node.pool)[t];
    offers |= m;
  }
  it->second = offers;
  return it->second;
}

uint64_t GreedyPacker::possibleZones(const NewNode& node, const Member& member) const {
  // The pin is a mask like the types' (per capacity type), so it can be applied to the union
  // over types instead of to each type: the same zones.
  return (node.pin & offersFor(node, member)).anyZone();
}

std::optional<OfferMask> GreedyPacker::pinFor(const NewNode& node, uint32_t c, bool strict,
                                              const Member& member) const {
  if (!topology_.needsZone(c)) return node.pin;
  // One zone left: only the topology decides, the price check that follows finds out
  // whether any type is offered there (scanning the types here for each pod is what made
  // zone-spread classes slow).
  const uint64_t possible =
      singleZone(node.pin) ? node.pin.anyZone() : possibleZones(node, member);
  std::vector<std::string> candidates;
  for (size_t z = 0; z < index_.zones().size(); ++z) {
    if (possible & (1ull << z)) candidates.push_back(index_.zones()[z]);
  }
  auto allowed = topology_.allowedZones(c, strict, candidates, eligibleZones(c));
  if (allowed.empty()) return std::nullopt;
  size_t z = *index_.zoneIndex(topology_.leastLoadedZone(c, allowed));
  return node.pin & OfferMask::of(1ull << z, 0b11);
}

std::optional<size_t> GreedyPacker::insertIntoOpen(uint32_t c, size_t pod, bool strict,
                                                  double standalone,
                                                  std::vector<size_t>& candidates) {
  auto pool = chooser_.poolFor(c, strict);
  if (!pool) return std::nullopt;
  const Member member{c, strict};
  const ResourceVector& req = classes_[c].requests;
  int64_t bestNode = -1;
  double bestDelta = kNoPrice;
  Choice bestChoice;
  OfferMask bestPin;
  // The choice for the node at `pin`: room within the type the node was opened for costs
  // nothing; otherwise the cheapest type that holds the node with this pod, if growing to it
  // does not cost more than a node of the class's own (it would lose to one anyway).
  auto price = [&](const NewNode& node, const OfferMask& pin) -> std::optional<Choice> {
    if (auto free = chooser_.fitsBudget(node, member, pin, 1)) return free;
    const double cap = std::max(node.price.price, node.budget) + standalone + kEpsilon;
    Choice choice = chooser_.bestType(node, req, member, pin, true, cap);
    if (choice.type < 0) return std::nullopt;
    return choice;
  };
  // Nodes refused for good are dropped from `candidates` (see the header); the others keep
  // their order, so the first fit stays the first fit.
  size_t kept = 0;
  size_t i = 0;
  for (; i < candidates.size(); ++i) {
    const size_t n = candidates[i];
    const NewNode& node = state_.nodes[n];
    if (node.pool != *pool || !canJoin(node, c)) continue;
    if (!(node.used + req).fitsIn(index_.pools()[*pool].largest)) continue;
    // A node already in one zone (or a class without zone constraints) keeps its pin, so the
    // price can be judged first: fill and limits only grow while the class is placed.
    const bool pinKept = !topology_.needsZone(c) || singleZone(node.pin).has_value();
    std::optional<Choice> choice;
    if (pinKept) {
      choice = price(node, node.pin);
      if (!choice) continue;
    } else if (!price(node, node.pin)) {
      continue;  // a narrower pin only costs more
    }
    auto pin = pinFor(node, c, strict, member);
    if (!pin) {
      candidates[kept++] = n;  // no zone allowed now; zone counts may change that
      continue;
    }
    NewNode probe;  // only what domainOf reads: the pool and the pin
    probe.pool = node.pool;
    probe.pin = *pin;
    const auto verdict = topology_.judge(c, strict, domainOf(probe, n), eligibleZones(c));
    if (verdict == Topology::Verdict::kNever) continue;
    candidates[kept++] = n;
    if (verdict == Topology::Verdict::kNotNow) continue;
    if (!pinKept) choice = price(node, *pin);
    if (!choice) continue;
    double delta = std::max(0.0, choice->price.price - std::max(node.price.price, node.budget));
    if (delta < bestDelta - kEpsilon) {
      bestDelta = delta;
      bestNode = static_cast<int64_t>(n);
      bestChoice = *choice;
      bestPin = *pin;
      if (delta <= kEpsilon) {  // first fit: free space on an open node
        ++i;
        break;
      }
    }
  }
  for (; i < candidates.size(); ++i) candidates[kept++] = candidates[i];
  candidates.resize(kept);
  if (bestNode < 0 || bestDelta > standalone + kEpsilon) return std::nullopt;
  NewNode& node = state_.nodes[bestNode];
  node.pin = bestPin;
  addToNode(static_cast<size_t>(bestNode), c, &pod, 1, strict, bestChoice);
  // The node now holds a type within its budget: make it the one to fill up to, so the
  // next pods of this class go in bulk instead of one search each.
  if (bestChoice.price.price <= node.budget + kEpsilon) node.budgetType = bestChoice.type;
  return static_cast<size_t>(bestNode);
}

void GreedyPacker::fillNode(size_t n, uint32_t c, const std::vector<size_t>& pods, size_t& next,
                            bool strict) {
  NewNode& node = state_.nodes[n];
  const Member member{c, strict};
  if (node.budgetType < 0 || next >= pods.size() || !canJoin(node, c)) return;
  const PoolEntry& pe = index_.pools()[node.pool];
  ResourceVector room = pe.allocatable[node.budgetType] - node.used;
  int64_t k = std::min<int64_t>(room.copiesOf(classes_[c].requests),
                                static_cast<int64_t>(pods.size() - next));
  if (k <= 0) return;
  auto choice = chooser_.fitsBudget(node, member, node.pin, k);
  if (!choice) return;
  addToNode(n, c, pods.data() + next, static_cast<size_t>(k), strict, Choice{node.type, node.price});
  next += static_cast<size_t>(k);
  state_.reprice(n, chooser_);
}

bool GreedyPacker::openNode(uint32_t c, const std::vector<size_t>& pods, size_t& next,
                            bool strict, std::vector<Target>& targets) {
  auto pool = chooser_.poolFor(c, strict);
  if (!pool) return false;
  const PodClass& cls = classes_[c];
  NewNode node;
  node.pool = *pool;
  node.gang = cls.gang;
  node.pin = gangPin(c);
  const Member member{c, strict};
  auto pin = pinFor(node, c, strict, member);
  if (!pin) return false;
  node.pin = *pin;
  if (cls.hasTopology) {
    // Hostname affinity to pods elsewhere, or a key no launchable node carries, rules a fresh
    // node out (zone-keyed checks were done by pinFor).
    if (!topology_.allowsNewNode(c, strict, domainOf(node, state_.nodes.size()))) return false;
  }
  const int64_t remaining = static_cast<int64_t>(pods.size() - next);
  // The type with the lowest cost per pod for what is left of this class. The answer only
  // changes when fewer pods remain than it holds, or limits bite, so it is reused.
  // Pods placed one at a time (spread, anti-affinity, host ports) rarely fill the type their
  // class would fill, and the node keeps that type as its budget for whatever joins it: the
  // larger types that fixed costs favour would be bought half empty, so theirs is chosen by
  // the instance price alone, as before fixed costs counted. Merges still count them.
  // Those placed one at a time keep it too, while the pin is the same and the pool sets no
  // limits (then nothing else can change the answer); so does the price of the node's first pod.
  const bool oneByOne = placedOneByOne(c);
  // Filling classes keep one target; the others one per pool and pin (a zone spread opens
  // nodes in each zone in turn).
  auto entry = std::find_if(targets.begin(), targets.end(), [&](const Target& t) {
    return !oneByOne || (t.pool == *pool && t.pin == node.pin);
  });
  if (entry == targets.end()) entry = targets.emplace(targets.end());
  Target& cached = *entry;
  const bool reuse =
      cached.type >= 0 && cached.fit <= remaining && cached.pool == *pool &&
      (oneByOne ? cached.pin == node.pin && state_.limits.unlimited(*pool)
                : state_.limits.allow(*pool, -1, cached.type, true));
  if (!reuse) {
    const bool withFixed = fixedCostInTargets_ && !oneByOne && chooser_.fixedCost(*pool) > 0;
    cached = chooser_.chooseTarget(c, *pool, strict, node.pin, remaining, withFixed ? chooser_.fixedCost(*pool) : 0);
    cached.pool = *pool;
    cached.pin = node.pin;
    if (withFixed && cached.plainType != cached.type) fixedCostMovedATarget_ = true;
  }
  if (cached.type < 0) return false;
  node.budgetType = cached.type;
  node.budget = cached.price;
  if (!cls.gang.empty() && !gangPins_.count(cls.gang)) {
    // All-or-nothing groups launch together in one zone (CreateFleet with MinTargetCapacity).
    const TypeMasks& masks = cls.masksFor(strict)[*pool];
    auto price = index_.cheapest(static_cast<size_t>(cached.type), node.pin & masks[cached.type]);
    node.pin &= OfferMask::of(1ull << price.zone, 0b11);
    gangPins_[cls.gang] = node.pin;
  }
  // Topology-constrained pods go one at a time; others fill the node to its target.
  const int64_t take = oneByOne ? 1 : cached.fit;
  state_.nodes.push_back(std::move(node));
  const size_t n = state_.nodes.size() - 1;
  Choice choice = oneByOne && reuse ? cached.single : Choice{};
  if (choice.type < 0) {
    choice = chooser_.bestType(state_.nodes[n], cls.requests.scaled(take), member,
                               state_.nodes[n].pin);
    if (oneByOne) cached.single = choice;
  }
  if (choice.type < 0) {
    state_.nodes.pop_back();
    return false;
  }
  // The node holds no pods yet, so this files every node under [0], GPU nodes included (list
  // [1] stays empty). Filing them by their kind would change plans; left as it was.
  open_[typeKind(state_.nodes[n].gpu)].push_back(n);
  addToNode(n, c, pods.data() + next, static_cast<size_t>(take), strict, choice);
  next += static_cast<size_t>(take);
  return true;
}

}  // namespace gantry::binpack
