// The moves after greedy placement: undoing gangs that did not fit whole, local search
// that empties or merges new nodes when that lowers the price, and an exhaustive search
// over partitions for small plans, where the greedy's mistakes cost the most in relative
// terms and the optimum is cheap to find.
#include <algorithm>
#include <functional>
#include <map>
#include <numeric>

#include "binpack/packer.h"

namespace gantry::binpack {

namespace {
// Local search is quadratic in candidate nodes; past this many it costs more than it saves.
constexpr size_t kMaxNodesForMerge = 400;
// Nodes whose fullest resource is below this share of their type are merge candidates.
constexpr double kMergeUtilization = 0.8;
}  // namespace

void Packer::enforceGangs() {
  std::map<std::string, std::pair<size_t, std::string>> failedGangs;  // gang -> (count, reason)
  std::map<std::string, size_t> gangSize;
  for (const PodClass& cls : classes_) {
    if (cls.gang.empty()) continue;
    gangSize[cls.gang] += cls.pods.size();
    for (size_t pod : cls.pods) {
      if (state_.placed[pod]) continue;
      auto& f = failedGangs[cls.gang];
      if (f.first++ == 0) f.second = state_.unplaced[pod];
    }
  }
  if (failedGangs.empty()) return;
  for (size_t n = 0; n < state_.nodes.size(); ++n) {
    if (state_.nodes[n].alive && failedGangs.count(state_.nodes[n].gang)) state_.removeNode(n);
  }
  for (ExistingSlot& slot : state_.existing) {
    std::erase_if(slot.placed, [&](const auto& entry) {
      const PodClass& cls = classes_[entry.second];
      if (!failedGangs.count(cls.gang)) return false;
      slot.free += cls.requests;
      return true;
    });
  }
  for (const PodClass& cls : classes_) {
    auto it = failedGangs.find(cls.gang);
    if (cls.gang.empty() || it == failedGangs.end()) continue;
    const std::string reason = "gang " + cls.gang + " starts all or nothing and " +
                               std::to_string(it->second.first) + " of its " +
                               std::to_string(gangSize[cls.gang]) +
                               " pods cannot be placed: " + it->second.second;
    for (size_t pod : cls.pods) {
      state_.placed[pod] = false;
      state_.unplaced[pod] = reason;
    }
  }
}

double Packer::utilization(const NewNode& node) const {
  if (node.type < 0) return 0;
  const ResourceVector& alloc = index_.pools()[node.pool].allocatable[node.type];
  double most = 0;
  for (size_t d = 0; d < kMaxResourceDims; ++d) {
    if (alloc.v[d] > 0) most = std::max(most, static_cast<double>(node.used.v[d]) / alloc.v[d]);
  }
  return most;
}

bool Packer::tryMerge(size_t a, size_t b) {
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
  if (merged.pin.empty() || !gpuRuleHolds(merged)) return false;
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

void Packer::improve() {
  for (int round = 0; round < options_.improvementRounds; ++round) {
    // Only under-filled nodes are worth merging (the last node of each class, mostly):
    // a node filled to its type gains nothing from a partner.
    std::vector<size_t> live;
    for (size_t n = 0; n < state_.nodes.size(); ++n) {
      if (state_.movable(state_.nodes[n]) && utilization(state_.nodes[n]) < kMergeUtilization) live.push_back(n);
    }
    if (live.size() < 2 || live.size() > kMaxNodesForMerge) break;
    // Least-filled, cheapest nodes first: they are the ones worth folding into others.
    std::sort(live.begin(), live.end(), [&](size_t a, size_t b) {
      if (state_.nodes[a].price.price != state_.nodes[b].price.price) {
        return state_.nodes[a].price.price < state_.nodes[b].price.price;
      }
      return a < b;
    });
    bool changed = false;
    for (size_t i = 0; i < live.size(); ++i) {
      for (size_t j = i + 1; j < live.size(); ++j) {
        if (state_.nodes[live[i]].alive && state_.nodes[live[j]].alive && tryMerge(live[j], live[i])) {
          changed = true;
          break;
        }
      }
    }
    for (size_t n = 0; n < state_.nodes.size(); ++n) {
      if (state_.nodes[n].alive) state_.reprice(n, chooser_);
    }
    if (!changed) return;
  }
  // Whatever the merges did (large plans skip them): every node at the cheapest type for what
  // it holds. A node opened for its class's best cost per pod keeps that type as it takes pods
  // one at a time (topology), and spread or anti-affinity may never fill it; the larger types
  // that per-node fixed costs favour make such leftovers dear.
  if (options_.improvementRounds <= 0) return;
  for (size_t n = 0; n < state_.nodes.size(); ++n) {
    if (state_.nodes[n].alive) state_.reprice(n, chooser_);
  }
}

void Packer::exactSearch() {
  if (options_.exactSearchMaxPods == 0) return;
  struct Item {
    size_t pod;
    uint32_t cls;
    bool strict;
    size_t pool;
  };
  std::vector<Item> items;
  double greedyCost = 0;
  for (const NewNode& node : state_.nodes) {
    if (!node.alive) continue;
    if (!state_.movable(node)) return;
    greedyCost += node.price.price + chooser_.fixedCost(node.pool);
    for (size_t i = 0; i < node.pods.size(); ++i) {
      const uint32_t c = node.podClass[i];
      bool strict = std::find(node.members.begin(), node.members.end(), Member{c, true}) !=
                    node.members.end();
      items.push_back({node.pods[i], c, strict, node.pool});
    }
  }
  if (items.empty() || items.size() > options_.exactSearchMaxPods) return;

  // Blocks of the partition under construction, each a candidate node.
  std::vector<NewNode> blocks;
  std::vector<std::vector<size_t>> blockItems;
  std::vector<double> blockPrice;
  double best = greedyCost - kEpsilon;
  std::vector<NewNode> bestBlocks;
  std::vector<std::vector<size_t>> bestItems;

  // A block's cost as a node: its cheapest type's price plus the pool's fixed cost.
  auto priceOf = [&](const NewNode& b) {
    Choice c = chooser_.bestType(b, ResourceVector{}, std::nullopt, b.pin, false);
    return c.type < 0 ? kNoPrice : c.price.price + chooser_.fixedCost(b.pool);
  };
  std::function<void(size_t, double)> search = [&](size_t i, double cost) {
    if (cost >= best) return;  // prices only grow as blocks fill, so this bound is safe
    if (i == items.size()) {
      best = cost;
      bestBlocks = blocks;
      bestItems = blockItems;
      return;
    }
    const Item& it = items[i];
    const PodClass& cls = classes_[it.cls];
    const Member member{it.cls, it.strict};
    auto addTo = [&](NewNode& b) {
      if (std::find(b.members.begin(), b.members.end(), member) == b.members.end()) {
        b.members.push_back(member);
      }
      b.used += cls.requests;
      b.gpu.add(cls);
    };
    for (size_t k = 0; k < blocks.size(); ++k) {
      if (blocks[k].pool != it.pool) continue;
      NewNode saved = blocks[k];
      double savedPrice = blockPrice[k];
      addTo(blocks[k]);
      double p = gpuRuleHolds(blocks[k]) ? priceOf(blocks[k]) : kNoPrice;
      if (p < kNoPrice) {
        blockPrice[k] = p;
        blockItems[k].push_back(i);
        search(i + 1, cost - savedPrice + p);
        blockItems[k].pop_back();
      }
      blocks[k] = std::move(saved);
      blockPrice[k] = savedPrice;
    }
    NewNode fresh;
    fresh.pool = it.pool;
    addTo(fresh);
    double p = priceOf(fresh);
    if (p < kNoPrice) {
      blocks.push_back(std::move(fresh));
      blockPrice.push_back(p);
      blockItems.push_back({i});
      search(i + 1, cost + p);
      blocks.pop_back();
      blockPrice.pop_back();
      blockItems.pop_back();
    }
  };
  search(0, 0.0);
  if (bestBlocks.empty()) return;  // the greedy plan is already optimal

  // Replace the greedy nodes with the optimal blocks if the limits allow them.
  std::vector<size_t> old;
  for (size_t n = 0; n < state_.nodes.size(); ++n) {
    if (state_.nodes[n].alive) old.push_back(n);
  }
  for (size_t n : old) state_.removeNode(n);
  std::vector<NewNode> fresh;
  bool fits = true;
  for (size_t k = 0; k < bestBlocks.size() && fits; ++k) {
    NewNode b = bestBlocks[k];
    Choice c = chooser_.bestType(b, ResourceVector{}, std::nullopt, b.pin, false);
    if (!state_.limits.allow(b.pool, -1, c.type, true)) {
      fits = false;
      break;
    }
    state_.limits.charge(b.pool, -1, c.type, 1);
    b.type = c.type;
    b.price = c.price;
    b.budget = c.price.price;
    b.budgetType = c.type;
    for (size_t i : bestItems[k]) {
      b.pods.push_back(items[i].pod);
      b.podClass.push_back(items[i].cls);
    }
    fresh.push_back(std::move(b));
  }
  if (!fits) {
    for (const NewNode& b : fresh) state_.limits.charge(b.pool, b.type, -1, -1);
    for (size_t n : old) {
      state_.nodes[n].alive = true;
      state_.limits.charge(state_.nodes[n].pool, -1, state_.nodes[n].type, 1);
    }
    return;
  }
  std::erase_if(state_.nodes, [](const NewNode& n) { return !n.alive; });
  for (auto& b : fresh) state_.nodes.push_back(std::move(b));
}

}  // namespace gantry::binpack
