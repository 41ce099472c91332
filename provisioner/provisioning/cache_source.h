// The controller's ClusterSource: one read of the informer cache as plain values for a
// provisioning pass.
#pragma once

#include "provisioner/provisioning/pending_pod_watcher.h"
#include "provisioner/provisioning/provisioner.h"
#include "src/kube/cluster_cache.h"

namespace gantry::provisioner {

// DaemonSets (the per-node overhead) are read when the cache was built with daemonSetOverhead.
// REQUIRES: the cache was built with gantryResources; cache and watcher outlive the source.
// Thread-safe (reads the informer stores).
ClusterSource cacheSource(kube::ClusterCache& cache, PendingPodWatcher& watcher);

// Tells `provisioner` of every NodeClaim the cache sees deleted (Provisioner::claimDeleted).
// REQUIRES: before cache.start(); both outlive the handlers.
void reportDeletedClaims(kube::ClusterCache& cache, Provisioner& provisioner);

}  // namespace gantry::provisioner
