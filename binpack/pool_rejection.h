// Why a NodePool offers a pod no instance type before resources are even looked at: the
// pool's own requirements allow none, or one of the pod's node-selector requirements matches
// none of the pool's types. The reason names the requirement at fault, the pool's or the
// pod's, so that a user fixes the right file. Only called on the failure path.
#pragma once

#include <string>

#include "binpack/catalog_index.h"
#include "src/api/pod.h"

namespace gantry::binpack {

// REQUIRES: no type of `pool` satisfies the pod's nodeSelector and required node affinity.
std::string selectorRejection(const api::Pod& pod, const CatalogIndex& index,
                              const PoolEntry& pool);

}  // namespace gantry::binpack
