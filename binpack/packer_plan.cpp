// Turning the packing state into the Plan people and the provisioner read: for each new
// node the chosen type, every other type that would do (launch fallbacks), the zones
// where that offering exists, and a sentence on why.
#include <algorithm>
#include <unordered_map>

#include "binpack/packer.h"

namespace gantry::binpack {

namespace {
constexpr std::array<std::string_view, kCapacityTypes> kCapacityTypeNames = {"on-demand", "spot"};
}

Plan Packer::buildPlan() const {
  Plan plan;
  std::unordered_map<std::string, std::pair<size_t, std::vector<std::string>>> optionCache;
  for (const NewNode& node : nodes_) {
    if (!node.alive || node.pods.empty() || node.type < 0) continue;
    const PoolEntry& pe = index_.pools()[node.pool];
    PlannedNode out;
    out.nodePool = pe.pool->name;
    out.gang = node.gang;
    const auto& type = *index_.types()[node.type].type;
    out.instanceType = type.name;
    out.capacityType = std::string(kCapacityTypeNames[node.price.capacityType]);
    out.pricePerHour = node.price.price;

    // Fallback types: everything that fits the same pods, cheapest first. Nodes opened for
    // the same pods are alike, so the list is computed once per distinct node shape.
    std::string shape = std::to_string(node.pool) + "/" + std::to_string(node.pin.zones[0]) + "/" +
                        std::to_string(node.pin.zones[1]) + "/" + std::to_string(node.accelerator);
    for (const Member& mem : node.members) shape += "/" + std::to_string(mem.cls) + (mem.strict ? "s" : "r");
    for (int64_t v : node.used.v) shape += "," + std::to_string(v);
    auto cached = optionCache.find(shape);
    if (cached == optionCache.end()) {
      std::vector<std::pair<double, uint32_t>> options;
      const bool plain = plainOnly(node, std::nullopt);
      for (uint32_t t : pe.typesByPrice) {
        if (plain && index_.types()[t].accelerator) continue;
        OfferMask m = node.pin & pe.masks[t];
        for (const Member& mem : node.members) m &= masksOf(mem, node.pool)[t];
        if (m.empty() || !node.used.fitsIn(pe.allocatable[t])) continue;
        options.emplace_back(index_.cheapest(t, m).price, t);
      }
      std::stable_sort(options.begin(), options.end());
      std::pair<size_t, std::vector<std::string>> entry{options.size(), {}};
      for (const auto& [price, t] : options) {
        if (entry.second.size() == options_.maxInstanceTypeOptions) break;
        entry.second.push_back(index_.types()[t].type->name);
      }
      cached = optionCache.emplace(std::move(shape), std::move(entry)).first;
    }
    const size_t fitting = cached->second.first;
    out.instanceTypeOptions = cached->second.second;

    // Zones where the chosen type and capacity type are offered within the node's mask,
    // cheapest first (spot prices differ by zone).
    OfferMask m = node.pin & pe.masks[node.type];
    for (const Member& mem : node.members) m &= masksOf(mem, node.pool)[node.type];
    const TypeEntry& te = index_.types()[node.type];
    const size_t ct = node.price.capacityType;
    std::vector<std::pair<double, size_t>> zones;
    for (size_t z = 0; z < index_.zones().size(); ++z) {
      if ((m.zones[ct] & te.offered.zones[ct]) & (1ull << z)) zones.emplace_back(te.price[ct][z], z);
    }
    std::stable_sort(zones.begin(), zones.end());
    for (const auto& [price, z] : zones) out.zones.push_back(index_.zones()[z]);

    for (size_t pod : node.pods) out.pods.push_back(snapshot_.pods[pod].key());
    ResourceVector req = node.used;
    req.v[*dims_.find(api::resource::kPods)] = 0;
    out.requests = dims_.toList(req);
    out.allocatable = dims_.toList(pe.allocatable[node.type]);
    out.reason = "cheapest of " + std::to_string(fitting) + " fitting types for " +
                 std::to_string(node.pods.size()) + (node.pods.size() == 1 ? " pod" : " pods") +
                 " requesting " + out.requests.toString();
    plan.totalPricePerHour += out.pricePerHour;
    plan.nodes.push_back(std::move(out));
  }
  for (const ExistingSlot& slot : existing_) {
    for (const auto& [pod, cls] : slot.placed) {
      plan.existing.push_back({snapshot_.pods[pod].key(), slot.node->name, slot.node->inFlight});
    }
  }
  for (size_t i = 0; i < snapshot_.pods.size(); ++i) {
    if (!unplaced_[i].empty() && !placed_[i]) {
      plan.unschedulable.push_back({snapshot_.pods[i].key(), unplaced_[i]});
    }
  }
  return plan;
}

}  // namespace gantry::binpack
