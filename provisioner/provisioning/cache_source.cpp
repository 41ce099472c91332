// Reads out of the informer stores: copies for the solver, which works on values, and the
// stores' own immutable objects for bound pods, so the cache may change under a pass without
// tearing it either way.
#include "provisioner/provisioning/cache_source.h"

#include <algorithm>

namespace gantry::provisioner {

ClusterSource cacheSource(kube::ClusterCache& cache, PendingPodWatcher& watcher) {
  return [&cache, &watcher] {
    ClusterObjects objects;
    for (const auto& pod : watcher.pendingPods()) objects.pending.push_back(*pod);
    for (const auto& pod : cache.pods().store().list()) {
      if (pod->nodeName.empty() || pod->finished()) continue;
      objects.bound.push_back(pod);
    }
    objects.nodes = cache.nodes().store().list();
    for (const auto& pool : cache.nodePools().store().list()) objects.nodePools.push_back(*pool);
    objects.nodeClaims = cache.nodeClaims().store().list();
    for (const auto& nodeClass : cache.ec2NodeClasses().store().list()) {
      objects.nodeClasses.push_back({.name = nodeClass->name,
                                     .generation = nodeClass->generation,
                                     .conditions = nodeClass->status.conditions});
    }
    if (cache.hasDaemonSets()) {
      for (const auto& ds : cache.daemonSets().store().list()) objects.daemonSets.push_back(*ds);
      // The store's order is a hash's; the solver's answer should not depend on it.
      std::sort(objects.daemonSets.begin(), objects.daemonSets.end(),
                [](const api::Pod& a, const api::Pod& b) { return keyLess(a, b); });
    }
    return objects;
  };
}

void reportDeletedClaims(kube::ClusterCache& cache, Provisioner& provisioner) {
  cache.nodeClaims().addHandlers({
      .onAdd = nullptr,
      .onUpdate = nullptr,
      .onDelete = [&provisioner](const kube::ObjectPtr<api::NodeClaim>& c) {
        provisioner.claimDeleted(c->name);
      },
  });
}

}  // namespace gantry::provisioner
