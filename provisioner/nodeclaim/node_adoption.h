// Registration's one write to a Node: the merge patch that makes a kubelet-registered Node a
// Gantry node (Karpenter's registration sync): the NodeClaim's and NodePool's labels, its taints
// and startup taints, the gantry.dev/unregistered taint removed, an ownerReference to the
// claim and the termination finalizer. Pure functions, so they are tested without a cluster.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "src/api/nodeclaim.h"
#include "src/api/nodepool.h"
#include "src/common/status.h"

namespace gantry::provisioner::nodeclaim {

// The taint a kubelet registers with (--register-with-taints) so nothing schedules before
// Gantry has labelled the node.
inline constexpr std::string_view kUnregisteredTaintKey = "gantry.dev/unregistered";
// Set on adopted nodes (Karpenter's karpenter.sh/registered).
inline constexpr std::string_view kRegisteredLabel = "gantry.dev/registered";

// True when `node` (the raw Node object) already carries an ownerReference to `claim` (by
// uid, or by name when the claim has no uid): adoption happened, maybe without its status
// write; startup taints must then not be put back.
bool adoptedBy(const nlohmann::json& node, const api::NodeClaim& claim);

// The RFC 7386 merge patch adopting `node` for `claim` (`pool` may be null when the NodePool
// is not in the cache), with node's metadata.resourceVersion as precondition. Lists
// (taints, ownerReferences, finalizers) are written whole, merged with what the node has.
// Startup taints are added only when !adoptedBy(node, claim). Returns an empty object when
// nothing would change. Errors: kInvalid when `node` is not a Node object or its
// taints are malformed (hostile input is refused, never half-applied).
Result<nlohmann::json> adoptionPatch(const nlohmann::json& node, const api::NodeClaim& claim,
                                     const api::NodePool* pool);

// The patch removing `finalizer` from a raw object (metadata.finalizers with a resourceVersion
// precondition), or an empty object when it is not there.
nlohmann::json removeFinalizerPatch(const nlohmann::json& object, std::string_view finalizer);

// The same from a decoded claim.
nlohmann::json removeFinalizerPatch(const api::NodeClaim& claim, std::string_view finalizer);

}  // namespace gantry::provisioner::nodeclaim
