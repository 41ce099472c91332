// The termination finalizer (Karpenter's node/termination + nodeclaim/lifecycle termination):
// a deleted claim's Node is fenced off (gantry.dev/disrupted:NoSchedule, cordoned) and drained
// through the Eviction API, so its pods stop gracefully and PodDisruptionBudgets hold; then the
// Node is deleted (our finalizer on it removed), its instance terminated through the
// CloudProvider until the cloud says it is gone (kNotFound), and only then is
// gantry.dev/termination removed from the claim, so deleting a claim can never leak an
// instance. Which pods are evicted, and in what order, is drain.h's business. Every
// disruption method ends here: it deletes the claim with its reason annotated.
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "provisioner/nodeclaim/lifecycle_step.h"
#include "provisioner/metrics.h"

namespace gantry::provisioner::nodeclaim {

// Thread-safe for different claims (the lifecycle's queue never hands one claim to two
// workers at once).
class Termination {
 public:
  Termination(LifecycleContext& ctx, ProvisionerMetrics* metrics) : ctx_(ctx), metrics_(metrics) {}

  // One pass over a claim with a deletionTimestamp and our finalizer: drain, delete the Node,
  // terminate the instance, release the claim. Requeue while waiting on any of them.
  Result<Requeue> terminate(const api::NodeClaim& claim);

 private:
  // releaseNode and drainNode give nullopt once done (the Node drained, deleted and let go, or
  // never there), else how soon to look again.
  Result<std::optional<Clock::Duration>> releaseNode(const api::NodeClaim& claim);
  // REQUIRES: `node` is the server's copy of `cached`; refreshed when patched. Terminating
  // pods are waited for only while `cached` is Ready (else no kubelet will finish them).
  Result<std::optional<Clock::Duration>> drainNode(const api::NodeClaim& claim,
                                                   const api::Node& cached, nlohmann::json& node);
  Clock::Duration evictionRetryDelay(const std::string& claimName);

  LifecycleContext& ctx_;
  ProvisionerMetrics* metrics_;  // may be null
  // Consecutive drain passes of a claim that had an eviction refused (for the backoff).
  std::mutex mu_;
  std::map<std::string, int> refusedPasses_;  // guarded by mu_
};

}  // namespace gantry::provisioner::nodeclaim
