// Initialization (Karpenter's initialization.go): a registered claim is Initialized once its
// Node is Ready, its startup taints (and the unregistered taint) are gone, and every extended
// resource the claim requests is allocatable. GPU nodes are the reason this waits: the NVIDIA
// device plugin adds nvidia.com/gpu some time after the kubelet reports Ready. Ready (the
// claim's root condition) follows once Launched, Registered and Initialized all hold.
#pragma once

#include "provisioner/nodeclaim/lifecycle_step.h"

namespace gantry::provisioner::nodeclaim {

class Initialization final : public LifecycleStep {
 public:
  explicit Initialization(LifecycleContext& ctx) : ctx_(ctx) {}
  std::string_view name() const override { return "initialization"; }
  Result<StepResult> reconcile(api::NodeClaim& claim) override;

 private:
  LifecycleContext& ctx_;
};

}  // namespace gantry::provisioner::nodeclaim
