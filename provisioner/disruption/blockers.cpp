// The do-not-disrupt check, in one place for every method.
#include "provisioner/disruption/blockers.h"

namespace gantry::provisioner::disruption {

std::optional<Block> doNotDisrupt(const api::NodeClaim& claim, const api::Node& node,
                                  const std::vector<std::shared_ptr<const api::Pod>>& pods) {
  if (saysDoNotDisrupt(claim.annotations)) {
    return Block{"do-not-disrupt", "NodeClaim " + claim.name + " is annotated do-not-disrupt"};
  }
  if (saysDoNotDisrupt(node.annotations)) {
    return Block{"do-not-disrupt", "Node " + node.name + " is annotated do-not-disrupt"};
  }
  for (const auto& pod : pods) {
    if (pod->finished()) continue;
    if (saysDoNotDisrupt(pod->annotations)) {
      return Block{"do-not-disrupt", "pod " + pod->key() + " is annotated do-not-disrupt"};
    }
  }
  return std::nullopt;
}

}  // namespace gantry::provisioner::disruption
