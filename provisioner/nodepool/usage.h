// What a NodePool's status.resources should say: the capacity of its NodeClaims summed,
// plus "nodes" = how many there are. Pure functions over cached claims, so the usage
// controller and its tests agree on one definition, and limits shown to users are the
// ones the provisioner enforces (an in-flight claim counts as soon as it exists).
#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include "src/api/nodeclaim.h"
#include "src/api/resources.h"

namespace gantry::provisioner::nodepool {

// The resources a claim counts with: status.capacity once the cloud reported it, else
// spec.resources.requests (a claim not launched yet).
const api::ResourceList& countedCapacity(const api::NodeClaim& claim);

// The usage of pool `pool`: cpu, memory, pods, ephemeral-storage and nodes always present
// (zero when the pool has no claims, as Karpenter shows them), plus every other resource
// some claim of the pool provides (nvidia.com/gpu, ...). Every claim labelled
// gantry.dev/nodepool=`pool` counts, launched or not, and also while it is being deleted:
// its instance exists until termination removes the finalizer and the claim with it.
api::ResourceList nodePoolUsage(std::string_view pool,
                                const std::vector<std::shared_ptr<const api::NodeClaim>>& claims);

// True when both lists name the same resources with equal values. Unlike ResourceList's ==,
// an absent name differs from a zero one: status.resources should show the zeros.
bool sameResources(const api::ResourceList& a, const api::ResourceList& b);

}  // namespace gantry::provisioner::nodepool
