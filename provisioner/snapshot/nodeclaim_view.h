// A gantry.dev/v1 NodeClaim (Karpenter v1 layout) as a solver snapshot needs it: capacity
// that is launched or launching but may not be a Node yet. `plan` reads it from a live
// listing, the provisioner from its cache; both build their snapshots from this one view.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "src/api/decode.h"
#include "src/api/instance_type.h"
#include "src/api/node.h"
#include "src/api/nodeclaim.h"

namespace gantry::provisioner {

struct NodeClaimView {
  std::string name;
  std::string nodeName;      // status.nodeName: the Node it registered as, "" before that
  bool deleting = false;     // metadata.deletionTimestamp set
  bool initialized = false;  // condition Initialized=True
  // The capacity as an in-flight node (inFlight = true, ready = false, named after the
  // claim): labels = metadata.labels plus every single-valued In requirement (instance
  // type, zone, capacity type, nodepool...); taints = spec.taints (startup taints go away
  // before pods bind); allocatable = status.allocatable, else the catalog's allocatable for
  // a known instance type, else spec.resources.requests (what it was sized for: a lower
  // bound). nodePool and instanceType come from the labels (gantry.dev/ or karpenter.sh/).
  api::Node node;
  // status.capacity, else the catalog's capacity, else `node.allocatable`: counted against
  // NodePool limits.
  api::ResourceList capacity;
};

// Decodes one NodeClaim. `catalog` (may be null) sizes claims without status.allocatable.
// Errors: FieldError naming the field, as the api decoders do. Pure; thread-safe.
api::DecodeResult<NodeClaimView> decodeNodeClaimView(const nlohmann::json& object,
                                                     const api::InstanceTypes* catalog);

// The same view of a claim already decoded (the controller's cache keeps api::NodeClaim).
// Pure; thread-safe.
NodeClaimView viewOfNodeClaim(const api::NodeClaim& claim, const api::InstanceTypes* catalog);

}  // namespace gantry::provisioner
