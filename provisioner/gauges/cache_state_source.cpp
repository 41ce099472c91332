// Copies of the informers' shared pointers: a consistent enough read for gauges (each
// informer is read whole; across informers, a change may be seen by one and not yet another,
// which the next period corrects).
#include "provisioner/gauges/cache_state_source.h"

namespace gantry::provisioner::gauges {

ClusterStateSource cacheStateSource(kube::ClusterCache& cache, Clock& clock,
                                    CacheStateExtras extras) {
  return [&cache, &clock, extras = std::move(extras)] {
    ClusterState state;
    state.pods = cache.pods().store().list();
    state.nodes = cache.nodes().store().list();
    state.nodeClaims = cache.nodeClaims().store().list();
    state.nodePools = cache.nodePools().store().list();
    if (extras.nominations) state.nominatedPods = extras.nominations->nominatedPods(clock.now());
    if (extras.catalog) state.catalog = extras.catalog();
    if (extras.unavailableOfferings) state.unavailableOfferings = extras.unavailableOfferings();
    return state;
  };
}

}  // namespace gantry::provisioner::gauges
