// Turning the packing state into the Plan people and the provisioner read: for each new
// node the chosen type, every other type that would do (launch fallbacks), the zones
// where that offering exists, and a sentence on why.
#include "binpack/plan_builder.h"

#include <algorithm>
#include <unordered_map>

namespace gantry::binpack {

namespace {
constexpr std::array<std::string_view, kCapacityTypes> kCapacityTypeNames = {"on-demand", "spot"};

// Whether the offering a node was priced by is an estimate. Looked up once per planned node
// rather than kept in the index, since only the final plan reports it.
bool priceEstimated(const api::InstanceType& type, const std::string& zone,
                    api::CapacityType capacityType) {
  for (const api::Offering& o : type.offerings) {
    if (o.zone == zone && o.capacityType == capacityType) return o.priceEstimated;
  }
  return false;
}
}  // namespace

std::vector<int64_t> podsPlannedPerClass(const PackingState& state, size_t classCount) {
  std::vector<int64_t> count(classCount, 0);
  for (const NewNode& node : state.nodes) {
    if (!node.alive || node.type < 0) continue;
    for (uint32_t c : node.podClass) ++count[c];
  }
  return count;
}

Plan buildPlan(const PackingState& state, const Snapshot& snapshot, const CatalogIndex& index,
               const ResourceDims& dims, const TypeChooser& chooser,
               size_t maxInstanceTypeOptions) {
  Plan plan;
  // What depends only on a node's shape (pool, pin, members, load): computed once per shape,
  // since a large plan has thousands of nodes opened alike.
  struct ShapeInfo {
    size_t fitting = 0;
    std::vector<std::string> options;
    api::ResourceList requests;
    api::ResourceList allocatable;
    std::string requestsText;
  };
  std::unordered_map<std::string, ShapeInfo> shapes;
  for (const NewNode& node : state.nodes) {
    if (!node.alive || node.pods.empty() || node.type < 0) continue;
    const PoolEntry& pe = index.pools()[node.pool];
    PlannedNode out;
    out.nodePool = pe.pool->name;
    out.gang = node.gang;
    const auto& type = *index.types()[node.type].type;
    out.instanceType = type.name;
    out.capacityType = std::string(kCapacityTypeNames[node.price.capacityType]);
    out.pricePerHour = node.price.price;
    out.nodeCostPerHour = node.price.price + pe.fixedCost;
    out.priceEstimated = priceEstimated(type, index.zones()[node.price.zone],
                                        node.price.capacityType == 1 ? api::CapacityType::kSpot
                                                                     : api::CapacityType::kOnDemand);

    // Fallback types: everything that fits the same pods, cheapest first. Nodes opened for
    // the same pods are alike, so the list is computed once per distinct node shape.
    // The key is the raw bytes of those fields: formatting them as text cost more than the
    // rest of a 10,000-node plan.
    std::string shape;
    auto append = [&shape](const auto& value) {
      shape.append(reinterpret_cast<const char*>(&value), sizeof value);
    };
    append(node.pool);
    append(node.pin.zones);
    append(node.gpu.any);
    append(node.used.v);
    for (const Member& mem : node.members) {
      append(mem.cls);
      append(mem.strict);
    }
    auto cached = shapes.find(shape);
    if (cached == shapes.end()) {
      std::vector<std::pair<double, uint32_t>> options;
      for (uint32_t t : pe.byKind[typeKind(node.gpu)].types) {
        OfferMask m = node.pin & pe.masks[t];
        for (const Member& mem : node.members) m &= chooser.masksOf(mem, node.pool)[t];
        if (m.empty() || !node.used.fitsIn(pe.allocatable[t])) continue;
        options.emplace_back(index.cheapest(t, m).price, t);
      }
      std::stable_sort(options.begin(), options.end());
      ShapeInfo info;
      info.fitting = options.size();
      for (const auto& [price, t] : options) {
        if (info.options.size() == maxInstanceTypeOptions) break;
        info.options.push_back(index.types()[t].type->name);
      }
      ResourceVector req = node.used;
      req.v[*dims.find(api::resource::kPods)] = 0;
      info.requests = dims.toList(req);
      info.allocatable = dims.toList(pe.allocatable[node.type]);
      info.requestsText = info.requests.toString();
      cached = shapes.emplace(std::move(shape), std::move(info)).first;
    }
    const ShapeInfo& info = cached->second;
    out.instanceTypeOptions = info.options;

    // Zones where the chosen type and capacity type are offered within the node's mask,
    // cheapest first (spot prices differ by zone).
    OfferMask m = node.pin & pe.masks[node.type];
    for (const Member& mem : node.members) m &= chooser.masksOf(mem, node.pool)[node.type];
    const TypeEntry& te = index.types()[node.type];
    const size_t ct = node.price.capacityType;
    std::vector<std::pair<double, size_t>> zones;
    for (size_t z = 0; z < index.zones().size(); ++z) {
      if ((m.zones[ct] & te.offered.zones[ct]) & (1ull << z)) zones.emplace_back(te.price[ct][z], z);
    }
    std::stable_sort(zones.begin(), zones.end());
    for (const auto& [price, z] : zones) out.zones.push_back(index.zones()[z]);

    for (size_t pod : node.pods) out.pods.push_back(snapshot.pods[pod].key());
    out.requests = info.requests;
    out.allocatable = info.allocatable;
    out.reason = "cheapest of " + std::to_string(info.fitting) + " fitting types for " +
                 std::to_string(node.pods.size()) + (node.pods.size() == 1 ? " pod" : " pods") +
                 " requesting " + info.requestsText;
    plan.totalPricePerHour += out.nodeCostPerHour;
    plan.nodes.push_back(std::move(out));
  }
  for (const ExistingSlot& slot : state.existing) {
    for (const auto& [pod, cls] : slot.placed) {
      plan.existing.push_back({snapshot.pods[pod].key(), slot.node->name, slot.node->inFlight});
    }
  }
  for (size_t i = 0; i < snapshot.pods.size(); ++i) {
    if (!state.unplaced[i].empty() && !state.placed[i]) {
      plan.unschedulable.push_back({snapshot.pods[i].key(), state.unplaced[i]});
    }
  }
  return plan;
}

}  // namespace gantry::binpack
