// What holds a node back from voluntary disruption whatever the method (Karpenter's
// disruption pre-checks): a do-not-disrupt annotation on the NodeClaim, on the Node, or on a
// pod running there (gantry.dev/do-not-disrupt or karpenter.sh/do-not-disrupt, "true").
// Budgets are checked next to this, in the controller; PodDisruptionBudgets are honoured by
// the drain itself (evictions a PDB refuses are retried, with an Event).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "src/api/node.h"
#include "src/api/nodeclaim.h"
#include "src/api/pod.h"

namespace gantry::provisioner::disruption {

struct Block {
  std::string cause;    // for the metric: "do-not-disrupt"
  std::string message;  // for the Event: what blocks, naming the object
};

// Whether one of these annotation maps says do-not-disrupt.
template <typename Map>
bool saysDoNotDisrupt(const Map& annotations) {
  for (std::string_view key : {api::nodeclaim::kDoNotDisruptAnnotation,
                               api::nodeclaim::kKarpenterDoNotDisruptAnnotation}) {
    auto it = annotations.find(std::string(key));
    if (it != annotations.end() && it->second == "true") return true;
  }
  return false;
}

// The first do-not-disrupt found on the claim, its Node, or a non-terminal pod of `pods` (the
// pods bound to the Node), or nullopt.
std::optional<Block> doNotDisrupt(const api::NodeClaim& claim, const api::Node& node,
                                  const std::vector<std::shared_ptr<const api::Pod>>& pods);

}  // namespace gantry::provisioner::disruption
