// The state's shared moves: what a pass does to a node that every pass must do alike, so that
// the limits ledger stays charged for exactly the live nodes.
#include "binpack/packing_state.h"

#include <algorithm>

#include "binpack/type_chooser.h"

namespace gantry::binpack {

PackingState::PackingState(const Snapshot& snapshot, const CatalogIndex& index,
                           const ResourceDims& dims)
    : limits(snapshot, index, dims) {
  unplaced.resize(snapshot.pods.size());
  placed.assign(snapshot.pods.size(), false);
  const size_t podsDim = *dims.find(api::resource::kPods);
  for (const auto& node : snapshot.nodes) {
    if (node.unschedulable || (!node.ready && !node.inFlight)) continue;
    ExistingSlot slot;
    slot.node = &node;
    slot.free = dims.toVectorKnown(node.allocatable) - dims.toVectorKnown(node.requested);
    if (!node.allocatable.has(api::resource::kPods)) slot.free.v[podsDim] = 110;
    if (!node.requested.has(api::resource::kPods)) {
      slot.free.v[podsDim] -= static_cast<int64_t>(node.pods.size());
    }
    existing.push_back(std::move(slot));
  }
  // Ready nodes before in-flight ones, then by name: deterministic, and it fills what is
  // already paid for before what is still booting.
  std::stable_sort(existing.begin(), existing.end(), [](const auto& a, const auto& b) {
    if (a.node->inFlight != b.node->inFlight) return !a.node->inFlight;
    return a.node->name < b.node->name;
  });
}

void PackingState::removeNode(size_t n) {
  NewNode& node = nodes[n];
  if (!node.alive) return;
  limits.charge(node.pool, node.type, -1, -1);
  node.alive = false;
}

void PackingState::reprice(size_t n, const TypeChooser& chooser) {
  NewNode& node = nodes[n];
  Choice choice = chooser.bestType(node, ResourceVector{}, std::nullopt, node.pin);
  if (choice.type < 0) return;  // cannot happen for a node that was feasible; keep as is
  limits.charge(node.pool, node.type, choice.type, 0);
  node.type = choice.type;
  node.price = choice.price;
}

bool PackingState::movable(const NewNode& node) const {
  if (!node.alive || !node.gang.empty()) return false;
  return std::none_of(node.members.begin(), node.members.end(), [&](const Member& m) {
    return placedOneByOne[m.cls];
  });
}

}  // namespace gantry::binpack
