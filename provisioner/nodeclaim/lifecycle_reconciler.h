// One NodeClaim's lifecycle (Karpenter's nodeclaim/lifecycle controller): the steps expiration
// → launch → registration → liveness → initialization → disruption marks → drift marks run in
// order on a working copy of the claim, and what they changed is written once at the end
// (labels, then status); a claim being deleted goes through Termination instead. The
// lifecycle controller's queue calls reconcile() per claim name.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "provisioner/metrics.h"
#include "provisioner/nodeclaim/lifecycle_step.h"
#include "provisioner/nodeclaim/termination.h"
#include "provisioner/runtime/reconciler.h"

namespace gantry::provisioner::nodeclaim {

// Thread-safe for different claims. The references must outlive it.
class LifecycleReconciler final : public runtime::Reconciler {
 public:
  LifecycleReconciler(LifecycleReader& reader, LifecycleWriter& writer,
                      cloudprovider::CloudProvider& cloud, kube::EventRecorder& events,
                      Clock& clock, LifecycleOptions options = {}, LifecycleShared shared = {},
                      ProvisionerMetrics* metrics = nullptr);

  // Moves the claim named `name` as far as the cluster lets it now. Idempotent: a repeat with
  // nothing changed writes nothing. Errors (a failed write or cloud call, a conflict) are
  // returned for the caller to retry with backoff; nothing is left half-done that a retry
  // cannot finish. A claim that is not in the cache is done (nullopt).
  Result<Requeue> reconcile(const std::string& name) override;
  // Every claim in the cache.
  std::vector<std::string> resyncKeys() override;

  const LifecycleOptions& options() const { return ctx_.options; }

 private:
  // Writes the changes from `before` to `after`: added labels (with the cached
  // resourceVersion as precondition), then the status with the version that left, which
  // `after` takes (it is the pass's own copy: stamping it saves copying it once more).
  Status write(const api::NodeClaim& before, api::NodeClaim& after);
  // Counts the phases `after` reached that `before` had not (after both were written).
  void countTransitions(const api::NodeClaim& before, const api::NodeClaim& after) const;

  LifecycleContext ctx_;
  std::vector<LifecycleStepPtr> steps_;
  Termination termination_;
};

}  // namespace gantry::provisioner::nodeclaim
