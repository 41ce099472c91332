// One NodeClaim's lifecycle after launch (Karpenter's nodeclaim/lifecycle + termination):
// registration (adopt the Node with the claim's providerID), initialization (Ready, startup
// taints gone, requested extended resources such as nvidia.com/gpu allocatable), liveness
// (no Node within the registration TTL → instance terminated, claim deleted), the deletion
// finalizer (Node cordoned and deleted, instance terminated, finalizer removed) and a Node
// deleted by a user (→ claim deleted). The controller calls reconcile() from its work queue.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "cloudprovider/cloud_provider.h"
#include "provisioner/nodeclaim/cluster_access.h"
#include "src/api/nodeclaim.h"
#include "src/common/clock.h"
#include "src/common/status.h"
#include "src/kube/event_recorder.h"

namespace gantry::provisioner::nodeclaim {

struct LifecycleOptions {
  // Launched → Registered deadline; past it the instance is terminated and the claim deleted.
  Clock::Duration registrationTtl = std::chrono::minutes(15);
  // How soon a claim waiting on something outside our events (an instance terminating) is
  // looked at again.
  Clock::Duration pollInterval = std::chrono::seconds(2);
  // After an eviction a PodDisruptionBudget refused (HTTP 429), the drain tries again after
  // this, doubling per consecutive refused pass up to maxEvictionRetry. (The controller's
  // periodic resync may look sooner.)
  Clock::Duration evictionRetry = std::chrono::seconds(1);
  Clock::Duration maxEvictionRetry = std::chrono::seconds(30);
};

// Resources every node has; anything else a claim requests (nvidia.com/gpu, amd.com/gpu,
// aws.amazon.com/neuron, vpc.amazonaws.com/efa...) is registered late by a device plugin.
bool isExtendedResource(std::string_view name);

// When to look at a claim again: nullopt = only on its next event (or the periodic resync).
using Requeue = std::optional<Clock::Duration>;

// Not thread-safe: one reconcile at a time (the controller has one worker). The references
// must outlive it.
class LifecycleReconciler {
 public:
  LifecycleReconciler(LifecycleReader& reader, LifecycleWriter& writer,
                      cloudprovider::CloudProvider& cloud, kube::EventRecorder& events,
                      Clock& clock, LifecycleOptions options = {});

  // Moves the claim named `name` as far as the cluster lets it now. Idempotent: a repeat with
  // nothing changed writes nothing. Errors (a failed write or cloud call, a conflict) are
  // returned for the caller to log and retry with backoff; nothing is left half-done that a
  // retry cannot finish. A claim that is not in the cache is done (nullopt).
  Result<Requeue> reconcile(const std::string& name);

  const LifecycleOptions& options() const { return options_; }

 private:
  // registration.cpp
  Result<Requeue> registerNode(const api::NodeClaim& claim, const api::Node& node);
  // initialization.cpp
  Result<Requeue> initialize(const api::NodeClaim& claim, const api::Node& node);
  // termination.cpp. releaseNode and drainNode give nullopt once done (the Node drained,
  // deleted and let go, or never there), else how soon to look again.
  Result<Requeue> terminate(const api::NodeClaim& claim);
  Result<std::optional<Clock::Duration>> releaseNode(const api::NodeClaim& claim);
  // REQUIRES: `node` is the server's copy of `cached`; refreshed when patched. Terminating
  // pods are waited for only while `cached` is Ready (else no kubelet will finish them).
  Result<std::optional<Clock::Duration>> drainNode(const api::NodeClaim& claim,
                                                   const api::Node& cached, nlohmann::json& node);
  Clock::Duration evictionRetryDelay(const std::string& claimName);
  // lifecycle_reconciler.cpp
  Result<Requeue> checkLiveness(const api::NodeClaim& claim);
  Result<Requeue> deleteClaim(const api::NodeClaim& claim, const std::string& reason,
                              const std::string& message);
  // Patches the status of `updated` (a modified copy of the cached claim, still carrying the
  // cached resourceVersion, so a concurrent writer gives kConflict rather than being undone).
  Status writeStatus(const api::NodeClaim& updated);
  void event(const api::NodeClaim& claim, kube::EventType type, const std::string& reason,
             const std::string& message);
  std::shared_ptr<const api::Node> nodeOf(const api::NodeClaim& claim) const;

  LifecycleReader& reader_;
  LifecycleWriter& writer_;
  cloudprovider::CloudProvider& cloud_;
  kube::EventRecorder& events_;
  Clock& clock_;
  const LifecycleOptions options_;
  // Consecutive drain passes of a claim that had an eviction refused (for the backoff).
  std::map<std::string, int> refusedPasses_;
};

}  // namespace gantry::provisioner::nodeclaim
