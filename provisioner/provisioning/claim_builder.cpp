// Planned node -> NodeClaim, shared by provisioning and consolidation's replacements.
#include "provisioner/provisioning/claim_builder.h"

#include <algorithm>
#include <random>

#include "src/api/nodepool_hash.h"
#include "src/api/well_known_labels.h"

namespace gantry::provisioner {

namespace {

api::Requirement inReq(std::string_view key, std::vector<std::string> values) {
  return {.key = std::string(key), .op = api::SelectorOp::kIn, .values = std::move(values)};
}

}  // namespace

std::string randomNameSuffix() {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  static constexpr char kChars[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::string s;
  for (int i = 0; i < 5; ++i) s += kChars[rng() % (sizeof(kChars) - 1)];
  return s;
}

api::NodeClassRef nodeClassRefOf(const api::NodePool& pool) {
  return {.group = "gantry.dev", .kind = "EC2NodeClass", .name = pool.nodeClassRef};
}

std::optional<api::NodeClaim> buildNodeClaim(const binpack::PlannedNode& node,
                                             const api::NodePool& pool,
                                             const api::InstanceTypes& catalog) {
  // The chosen type, plus alternatives no dearer in the plan's zones and capacity type (the
  // solver lists fitting types cheapest first): the launch may fall back on any of them.
  const api::CapacityType capacityType =
      node.capacityType == "spot" ? api::CapacityType::kSpot : api::CapacityType::kOnDemand;
  std::vector<std::string> typeNames;
  for (const auto& name : node.instanceTypeOptions.empty()
                              ? std::vector<std::string>{node.instanceType}
                              : node.instanceTypeOptions) {
    auto it = std::find_if(catalog.begin(), catalog.end(),
                           [&](const auto& t) { return t.name == name; });
    if (it == catalog.end()) continue;
    const bool affordable = std::any_of(it->offerings.begin(), it->offerings.end(),
                                        [&](const api::Offering& o) {
      return o.available && o.capacityType == capacityType &&
             std::find(node.zones.begin(), node.zones.end(), o.zone) != node.zones.end() &&
             o.pricePerHour <= node.pricePerHour + 1e-9;
    });
    if (affordable) typeNames.push_back(it->name);
  }
  if (typeNames.empty()) return std::nullopt;

  api::NodeClaim claim;
  claim.name = pool.name + "-" + randomNameSuffix();
  claim.labels = pool.labels;
  claim.labels[std::string(api::label::kNodePool)] = pool.name;
  claim.finalizers.push_back(std::string(api::nodeclaim::kTerminationFinalizer));
  claim.nodeClassRef = nodeClassRefOf(pool);
  for (const auto& r : pool.requirements) {
    if (r.key != api::label::kInstanceType && r.key != api::label::kZone &&
        r.key != api::label::kCapacityType && r.key != api::label::kNodePool) {
      claim.requirements.push_back(r);
    }
  }
  claim.requirements.push_back(inReq(api::label::kNodePool, {pool.name}));
  claim.requirements.push_back(inReq(api::label::kInstanceType, typeNames));
  claim.requirements.push_back(inReq(api::label::kZone, node.zones));
  claim.requirements.push_back(inReq(api::label::kCapacityType, {node.capacityType}));
  claim.resourceRequests = node.requests;
  claim.taints = pool.taints;
  claim.startupTaints = pool.startupTaints;
  if (!pool.expireAfter.empty()) claim.expireAfter = pool.expireAfter;
  claim.terminationGracePeriod = pool.terminationGracePeriod;
  // The template this claim is made from, for static drift (nodeclaim/drift_marks.h).
  claim.annotations[std::string(api::kNodePoolHashAnnotation)] = api::nodePoolHash(pool);
  claim.annotations[std::string(api::kNodePoolHashVersionAnnotation)] =
      std::string(api::kNodePoolHashVersion);
  if (!node.gang.empty()) {
    claim.annotations[std::string(api::nodeclaim::kGangAnnotation)] = node.gang;
  }
  return claim;
}

}  // namespace gantry::provisioner
