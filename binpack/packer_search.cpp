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
