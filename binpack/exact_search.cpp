// Exhaustive search over partitions of the pods on new nodes, depth first, pruned by the best
// total found so far (the greedy packing's to start with).
#include "binpack/exact_search.h"

#include <algorithm>

namespace gantry::binpack {

ExactSearch::ExactSearch(PackingState& state, const std::vector<PodClass>& classes,
                         const TypeChooser& chooser, const GpuColocation& colocation)
    : state_(state), classes_(classes), chooser_(chooser), colocation_(colocation) {}

void ExactSearch::run(size_t maxPods) {
  if (maxPods == 0) return;
  items_.clear();
  bestBlocks_.clear();
  bestItems_.clear();
  double greedyCost = 0;
  if (!collectItems(greedyCost)) return;
  if (items_.empty() || items_.size() > maxPods) return;
  best_ = greedyCost - kEpsilon;
  search(0, 0.0);
  if (bestBlocks_.empty()) return;  // the greedy plan is already optimal
  adoptBest();
}

bool ExactSearch::collectItems(double& liveCost) {
  for (const NewNode& node : state_.nodes) {
    if (!node.alive) continue;
    if (!state_.movable(node)) return false;
    liveCost += node.price.price + chooser_.fixedCost(node.pool);
    for (size_t i = 0; i < node.pods.size(); ++i) {
      const uint32_t c = node.podClass[i];
      bool strict = std::find(node.members.begin(), node.members.end(), Member{c, true}) !=
                    node.members.end();
      items_.push_back({node.pods[i], c, strict, node.pool});
    }
  }
  return true;
}

double ExactSearch::priceOf(const NewNode& block) const {
  Choice c = chooser_.bestType(block, ResourceVector{}, std::nullopt, block.pin, false);
  return c.type < 0 ? kNoPrice : c.price.price + chooser_.fixedCost(block.pool);
}

void ExactSearch::search(size_t i, double cost) {
  if (cost >= best_) return;  // prices only grow as blocks fill, so this bound is safe
  if (i == items_.size()) {
    best_ = cost;
    bestBlocks_ = blocks_;
    bestItems_ = blockItems_;
    return;
  }
  const Item& it = items_[i];
  const PodClass& cls = classes_[it.cls];
  const Member member{it.cls, it.strict};
  auto addTo = [&](NewNode& b) {
    if (std::find(b.members.begin(), b.members.end(), member) == b.members.end()) {
      b.members.push_back(member);
    }
    b.used += cls.requests;
    b.gpu.add(cls);
  };
  for (size_t k = 0; k < blocks_.size(); ++k) {
    if (blocks_[k].pool != it.pool) continue;
    NewNode saved = blocks_[k];
    double savedPrice = blockPrice_[k];
    addTo(blocks_[k]);
    double p = kNoPrice;
    if (const NewNode& b = blocks_[k]; colocation_.holds(b.pool, b.members, b.gpu)) p = priceOf(b);
    if (p < kNoPrice) {
      blockPrice_[k] = p;
      blockItems_[k].push_back(i);
      search(i + 1, cost - savedPrice + p);
      blockItems_[k].pop_back();
    }
    blocks_[k] = std::move(saved);
    blockPrice_[k] = savedPrice;
  }
  NewNode fresh;
  fresh.pool = it.pool;
  addTo(fresh);
  double p = priceOf(fresh);
  if (p < kNoPrice) {
    blocks_.push_back(std::move(fresh));
    blockPrice_.push_back(p);
    blockItems_.push_back({i});
    search(i + 1, cost + p);
    blocks_.pop_back();
    blockPrice_.pop_back();
    blockItems_.pop_back();
  }
}

void ExactSearch::adoptBest() {
  std::vector<NewNode>& nodes = state_.nodes;
  std::vector<size_t> old;
  for (size_t n = 0; n < nodes.size(); ++n) {
    if (nodes[n].alive) old.push_back(n);
  }
  for (size_t n : old) state_.removeNode(n);
  std::vector<NewNode> fresh;
  bool fits = true;
  for (size_t k = 0; k < bestBlocks_.size() && fits; ++k) {
    NewNode b = bestBlocks_[k];
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
    for (size_t i : bestItems_[k]) {
      b.pods.push_back(items_[i].pod);
      b.podClass.push_back(items_[i].cls);
    }
    fresh.push_back(std::move(b));
  }
  if (!fits) {
    for (const NewNode& b : fresh) state_.limits.charge(b.pool, b.type, -1, -1);
    for (size_t n : old) {
      nodes[n].alive = true;
      state_.limits.charge(nodes[n].pool, -1, nodes[n].type, 1);
    }
    return;
  }
  std::erase_if(nodes, [](const NewNode& n) { return !n.alive; });
  for (auto& b : fresh) nodes.push_back(std::move(b));
}

}  // namespace gantry::binpack
