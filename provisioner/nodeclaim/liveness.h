// Liveness (Karpenter's liveness.go): a launched claim whose Node never registers within the
// registration TTL has its instance terminated and is deleted, so its pods are planned again;
// a registered claim whose Node was deleted (by a user, or the Node lifecycle) is deleted too,
// and its finalizer then terminates the instance.
#pragma once

#include "provisioner/nodeclaim/lifecycle_step.h"

namespace gantry::provisioner::nodeclaim {

class Liveness final : public LifecycleStep {
 public:
  explicit Liveness(LifecycleContext& ctx) : ctx_(ctx) {}
  std::string_view name() const override { return "liveness"; }
  // Halts the later steps while the claim is unregistered (requeued at the TTL's deadline).
  Result<StepResult> reconcile(api::NodeClaim& claim) override;

 private:
  LifecycleContext& ctx_;
};

}  // namespace gantry::provisioner::nodeclaim
