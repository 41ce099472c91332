// The exact-search pass: for small plans, where the greedy's mistakes cost the most in relative
// terms and the optimum is cheap to find, every partition of the pods on new nodes into nodes
// is weighed and the cheapest replaces the packing's nodes. See run().
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "binpack/gpu_colocation.h"
#include "binpack/packing_state.h"
#include "binpack/pod_class.h"
#include "binpack/type_chooser.h"

namespace gantry::binpack {

class ExactSearch {
 public:
  // `chooser` must read `state.limits` (the new nodes are charged there).
  ExactSearch(PackingState& state, const std::vector<PodClass>& classes, const TypeChooser& chooser,
              const GpuColocation& colocation);

  // When every live new node is movable (PackingState::movable) and they hold 1 to `maxPods`
  // pods: finds the cheapest way to put those pods on nodes of their own pools (fixed costs
  // counted, the GPU co-location rule kept, limits ignored), and when it beats the live nodes,
  // replaces them with it, if the pools' limits allow all of it. 0 disables the search.
  void run(size_t maxPods);

 private:
  // A pod to place, the class and strictness it joined its node with, and its node's pool.
  struct Item {
    size_t pod;
    uint32_t cls;
    bool strict;
    size_t pool;
  };

  // The pods on live new nodes, and those nodes' cost; false when some node is not movable.
  bool collectItems(double& liveCost);
  // A block's cost as a node: its cheapest type's price plus the pool's fixed cost (kNoPrice
  // when no type holds it).
  double priceOf(const NewNode& block) const;
  // Places items[i..] into the blocks so far or new ones, depth first; `cost` is the blocks'
  // total. Keeps the cheapest complete partition that beats `best_`.
  void search(size_t i, double cost);
  // Replaces the live nodes with the best partition's blocks if the limits allow them all;
  // otherwise leaves the nodes and the limits as they were.
  void adoptBest();

  PackingState& state_;
  const std::vector<PodClass>& classes_;
  const TypeChooser& chooser_;
  const GpuColocation& colocation_;

  std::vector<Item> items_;
  // Blocks of the partition under construction, each a candidate node: its node, its items
  // (indices into items_) and its priceOf.
  std::vector<NewNode> blocks_;
  std::vector<std::vector<size_t>> blockItems_;
  std::vector<double> blockPrice_;
  // The cheapest complete partition found, and the cost any other must beat.
  double best_ = 0;
  std::vector<NewNode> bestBlocks_;
  std::vector<std::vector<size_t>> bestItems_;
};

}  // namespace gantry::binpack
