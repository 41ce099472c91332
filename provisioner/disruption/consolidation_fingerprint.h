// What a consolidation search depends on, as one number, so that a pass over a cluster that
// has not changed since the last search found nothing can skip the search (Karpenter keeps
// the same "consolidated" state). The solver runs dominate a pass (a catalog index per
// simulated move); re-running them every 5 s on an unchanged cluster was most of a quiet
// cluster's consolidation time.
#pragma once

#include <cstdint>

#include "provisioner/disruption/consolidation_planner.h"
#include "src/api/instance_type.h"

namespace gantry::provisioner::disruption {

// 64-bit FNV-1a (src/common/fnv1a.h) over the input's nodes (name, claim, pool, price, target and candidate flags,
// labels, taints, allocatable, and each bound pod's key and requests), its NodePools (name,
// template hash, requirements, weight), budgets allowed, region, daemonsets, and which catalog
// it was planned against (by address: a refreshed catalog is a new object). Equal inputs give
// equal fingerprints; a change to any of those gives another one but for a hash collision.
uint64_t consolidationFingerprint(const ConsolidationInput& input,
                                  const api::InstanceTypes* catalog);

}  // namespace gantry::provisioner::disruption
