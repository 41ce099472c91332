// What the disruption tests ask of a NodeClaim after a pass, through the reader the
// controllers use. Tests only.
#pragma once

#include <string>

#include "provisioner/nodeclaim/cluster_access.h"
#include "src/api/nodeclaim.h"

namespace gantry::provisioner::disruption {

// Disruption began: the claim is being deleted (its finalizer holds it).
inline bool beingDeleted(const nodeclaim::LifecycleReader& cluster, const std::string& claim) {
  auto c = cluster.nodeClaim(claim);
  return c && c->deleting();
}

// The reason annotation a disruption method stamped on the claim: "" when none, "<gone>" when
// the claim no longer exists.
inline std::string disruptionReason(const nodeclaim::LifecycleReader& cluster,
                                    const std::string& claim) {
  auto c = cluster.nodeClaim(claim);
  if (!c) return "<gone>";
  auto it = c->annotations.find(std::string(api::nodeclaim::kDisruptionReasonAnnotation));
  return it == c->annotations.end() ? "" : it->second;
}

}  // namespace gantry::provisioner::disruption
