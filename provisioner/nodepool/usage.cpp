// Usage sums. Claims being deleted still count (see the header): counting them out early would
// let the provisioner, which limits on the same claims, launch past a limit while the old
// instances are still shutting down.
#include "provisioner/nodepool/usage.h"

namespace gantry::provisioner::nodepool {

const api::ResourceList& countedCapacity(const api::NodeClaim& claim) {
  return claim.capacity.empty() ? claim.resourceRequests : claim.capacity;
}

api::ResourceList nodePoolUsage(std::string_view pool,
                                const std::vector<std::shared_ptr<const api::NodeClaim>>& claims) {
  api::ResourceList usage;
  for (std::string_view name : {api::resource::kCpu, api::resource::kMemory, api::resource::kPods,
                                api::resource::kEphemeralStorage}) {
    usage.set(name, api::Quantity());
  }
  int64_t nodes = 0;
  for (const auto& claim : claims) {
    if (!claim || claim->nodePool() != pool) continue;
    usage += countedCapacity(*claim);
    ++nodes;
  }
  // Set last, so a claim whose capacity names "nodes" (it should not) cannot skew the count.
  usage.set(api::resource::kNodes, api::Quantity::fromValue(nodes));
  return usage;
}

bool sameResources(const api::ResourceList& a, const api::ResourceList& b) {
  const auto& x = a.entries();
  const auto& y = b.entries();
  if (x.size() != y.size()) return false;
  for (auto i = x.begin(), j = y.begin(); i != x.end(); ++i, ++j) {
    if (i->first != j->first || i->second != j->second) return false;
  }
  return true;
}

}  // namespace gantry::provisioner::nodepool
