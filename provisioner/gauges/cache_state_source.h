// The controller's ClusterStateSource: the cluster cache's informers read at once, with the
// provisioner's nominations, the catalog and the count of unavailable offerings.
#pragma once

#include <cstddef>
#include <functional>

#include "provisioner/gauges/cluster_state.h"
#include "provisioner/state/nominations.h"
#include "src/common/clock.h"
#include "src/kube/cluster_cache.h"

namespace gantry::provisioner::gauges {

struct CacheStateExtras {
  const state::Nominations* nominations = nullptr;    // null: no pod counts as nominated
  std::function<api::InstanceTypesPtr()> catalog{};   // null or null result: no prices
  std::function<size_t()> unavailableOfferings{};     // null: 0
};

// REQUIRES: cache.hasGantryResources(); cache, clock and extras' pointees outlive the source.
ClusterStateSource cacheStateSource(kube::ClusterCache& cache, Clock& clock,
                                    CacheStateExtras extras);

}  // namespace gantry::provisioner::gauges
