// Local search after the greedy packing: two under-filled new nodes become one when a single
// node holding both costs less than the pair (the pool's fixed cost per node counted), and
// then every node is re-bought at the cheapest type for what it holds.
#include "binpack/local_search.h"

#include <algorithm>

namespace gantry::binpack {

namespace {
// Local search is quadratic in candidate nodes; past this many it costs more than it saves.
constexpr size_t kMaxNodesForMerge = 400;
// Nodes whose fullest resource is below this share of their type are merge candidates.
constexpr double kMergeUtilization = 0.8;
}  // namespace

LocalSearch::LocalSearch(PackingState& state, const CatalogIndex& index, const TypeChooser& chooser,
                         const GpuColocation& colocation)
    : state_(state), index_(index), chooser_(chooser), colocation_(colocation) {}

double LocalSearch::utilization(const NewNode& node) const {
  if (node.type < 0) return 0;
  const ResourceVector& alloc = index_.pools()[node.pool].allocatable[node.type];
  double most = 0;
  for (size_t d = 0; d < kMaxResourceDims; ++d) {
    if (alloc.v[d] > 0) most = std::max(most, static_cast<double>(node.used.v[d]) / alloc.v[d]);
  }
  return most;
}

bool LocalSearch::tryMerge(size_t a, size_t b) {
  NewNode& na = state_.nodes[a];
  NewNode& nb = state_.nodes[b];
  if (na.pool != nb.pool) return false;
  NewNode merged = na;
  merged.type = -1;  // priced as a fresh node; limits are re-checked below
  for (const Member& m : nb.members) {
    if (std::find(merged.members.begin(), merged.members.end(), m) == merged.members.end()) {
      merged.members.push_back(m);
    }
  }
  merged.used += nb.used;
  merged.pin &= nb.pin;
  merged.gpu.add(nb.gpu);
  if (merged.pin.empty() || !colocation_.holds(merged.pool, merged.members, merged.gpu)) {
    return false;
  }
  Choice choice = chooser_.bestType(merged, ResourceVector{}, std::nullopt, merged.pin, false);
  // One node instead of two also saves the pool's fixed cost of a node.
  const double apart = na.price.price + nb.price.price + chooser_.fixedCost(na.pool);
  if (choice.type < 0 || choice.price.price >= apart - kEpsilon) {
    return false;
  }
  // Limits: release both, then charge the merged type if it fits.
  state_.limits.charge(na.pool, na.type, -1, -1);
  state_.limits.charge(nb.pool, nb.type, -1, -1);
  if (!state_.limits.allow(na.pool, -1, choice.type, true)) {
    state_.limits.charge(na.pool, -1, na.type, 1);
    state_.limits.charge(nb.pool, -1, nb.type, 1);
    return false;
  }
  state_.limits.charge(na.pool, -1, choice.type, 1);
  merged.type = choice.type;
  merged.price = choice.price;
  merged.budget = choice.price.price;
  merged.budgetType = choice.type;
  merged.pods.insert(merged.pods.end(), nb.pods.begin(), nb.pods.end());
  merged.podClass.insert(merged.podClass.end(), nb.podClass.begin(), nb.podClass.end());
  na = std::move(merged);
  nb.alive = false;
  return true;
}

void LocalSearch::run(int rounds) {
  std::vector<NewNode>& nodes = state_.nodes;  // merges change nodes, never their number
  for (int round = 0; round < rounds; ++round) {
    // Only under-filled nodes are worth merging (the last node of each class, mostly):
    // a node filled to its type gains nothing from a partner.
    std::vector<size_t> live;
    for (size_t n = 0; n < nodes.size(); ++n) {
      if (state_.movable(nodes[n]) && utilization(nodes[n]) < kMergeUtilization) {
        live.push_back(n);
      }
    }
    if (live.size() < 2 || live.size() > kMaxNodesForMerge) break;
    // The under-filled nodes (filtered above), cheapest first: they are the ones worth folding
    // into others.
    std::sort(live.begin(), live.end(), [&](size_t a, size_t b) {
      if (nodes[a].price.price != nodes[b].price.price) {
        return nodes[a].price.price < nodes[b].price.price;
      }
      return a < b;
    });
    bool changed = false;
    for (size_t i = 0; i < live.size(); ++i) {
      for (size_t j = i + 1; j < live.size(); ++j) {
        if (nodes[live[i]].alive && nodes[live[j]].alive && tryMerge(live[j], live[i])) {
          changed = true;
          break;
        }
      }
    }
    for (size_t n = 0; n < nodes.size(); ++n) {
      if (nodes[n].alive) state_.reprice(n, chooser_);
    }
    if (!changed) return;
  }
  // Whatever the merges did (large plans skip them): every node at the cheapest type for what
  // it holds. A node opened for its class's best cost per pod keeps that type as it takes pods
  // one at a time (topology), and spread or anti-affinity may never fill it; the larger types
  // that per-node fixed costs favour make such leftovers dear.
  if (rounds <= 0) return;
  for (size_t n = 0; n < nodes.size(); ++n) {
    if (nodes[n].alive) state_.reprice(n, chooser_);
  }
}

}  // namespace gantry::binpack
