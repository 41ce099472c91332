// The NodePool template hash behind static drift (Karpenter's NodePool.Hash() and its
// karpenter.sh/nodepool-hash + nodepool-hash-version annotations, under gantry.dev/): the
// NodePool carries the hash of its template's static fields, every NodeClaim carries the hash
// of the template it was made from, and a claim whose hash differs from its pool's (at the
// same hash version) has drifted with reason NodePoolDrifted.
// Hashed, as Karpenter v1 hashes spec.template: the template labels, taints, startup taints,
// the nodeClassRef, expireAfter and terminationGracePeriod. Not hashed: requirements (checked
// against the claim's labels instead, RequirementsDrifted) and the pool's behaviour (weight,
// limits, disruption), which change what Gantry does next, not what a node is. Template
// annotations are not modelled by api::NodePool and so are not hashed.
#pragma once

#include <string>
#include <string_view>

#include "src/api/nodepool.h"

namespace gantry::api {

inline constexpr std::string_view kNodePoolHashAnnotation = "gantry.dev/nodepool-hash";
inline constexpr std::string_view kNodePoolHashVersionAnnotation =
    "gantry.dev/nodepool-hash-version";
// Bump when the hash of an unchanged template would change (a field added with a value
// already set, a default changed, a field dropped): claims stamped with another version are
// not compared, so an upgrade does not roll every node.
inline constexpr std::string_view kNodePoolHashVersion = "v1";

// The hash of `pool`'s static template fields as 16 lowercase hex digits (64-bit FNV-1a over
// a canonical encoding). Stable across runs, processes and platforms; independent of the
// order of labels and taints (taints are a set: duplicates count once); an unset expireAfter
// hashes as its default "720h". Pure.
std::string nodePoolHash(const NodePool& pool);

}  // namespace gantry::api
