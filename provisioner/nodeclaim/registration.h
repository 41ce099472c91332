// Registration: the Node a kubelet registered for the claim's instance (matched by
// providerID) is adopted (labels, taints, owner and finalizer; node_adoption.h), then the
// claim records status.nodeName and Registered=True. The Node is written first so a claim
// never says Registered about a Node still carrying the unregistered taint.
#pragma once

#include "provisioner/nodeclaim/lifecycle_step.h"

namespace gantry::provisioner::nodeclaim {

class Registration final : public LifecycleStep {
 public:
  explicit Registration(LifecycleContext& ctx) : ctx_(ctx) {}
  std::string_view name() const override { return "registration"; }
  // Halts the later steps until the Node is there and adopted (liveness excepted: it runs
  // the registration TTL, so it is told through `halt` being false while unregistered).
  Result<StepResult> reconcile(api::NodeClaim& claim) override;

 private:
  LifecycleContext& ctx_;
};

}  // namespace gantry::provisioner::nodeclaim
