// Replacement capacity for an interrupted node, launched at once (Karpenter's provisioner
// does the same for the pods of nodes being deleted). A spot instance gives two minutes'
// notice; waiting until its pods are evicted, re-created by their controllers and marked
// Unschedulable before planning would spend part of that on nothing, and a pod whose eviction
// a PodDisruptionBudget holds back would get no capacity until the instance is gone. So the
// pods of a Node whose NodeClaim is being deleted with reason Interrupted are planned as if
// pending, and that Node is not capacity any more; the claim's deletion opens a batch.
// Pods of other deletions (emptiness, consolidation, drift) are not: those methods find room
// for their pods before draining.
#pragma once

#include <string_view>

#include "provisioner/provisioning/batcher.h"
#include "provisioner/provisioning/cluster_snapshot.h"
#include "provisioner/provisioning/provisioner.h"
#include "src/kube/cluster_cache.h"

namespace gantry::provisioner {

// The gantry.dev/disruption-reason of a NodeClaim whose instance is being taken away (a spot
// interruption, a stop, a scheduled retirement), as the interruption controller writes it.
inline constexpr std::string_view kInterruptedReason = "Interrupted";

// Whether `claim` is being deleted with reason Interrupted.
bool interrupted(const api::NodeClaim& claim);

// Moves the pods bound to the Nodes of deleting NodeClaims annotated
// gantry.dev/disruption-reason=Interrupted out of objects.bound, and the Nodes out of
// objects.nodes. The pods a drain would move (not terminal, not terminating, not of a
// DaemonSet, not mirror pods) join objects.pending, unbound, which stays sorted by key.
// Returns how many pods it added. Pure.
size_t addInterruptedPods(ClusterObjects& objects);

// `source` with addInterruptedPods applied to every read: the provisioner's source. (Other
// readers, consolidation's, see the cluster as it is.)
ClusterSource withInterruptedPods(ClusterSource source);

// Triggers `batcher` when the cache shows a NodeClaim deleting with reason Interrupted (turned
// so, or listed so after a restart).
// REQUIRES: before cache.start(); the batcher outlives the handlers.
void triggerOnInterruption(kube::ClusterCache& cache, Batcher& batcher);

}  // namespace gantry::provisioner
