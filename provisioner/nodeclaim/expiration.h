// Expiration (Karpenter v1's nodeclaim expiration controller): a claim older than its
// spec.expireAfter (counted from its creation) is deleted, and so replaced: its termination
// finalizer drains the Node (PodDisruptionBudgets honoured until the claim's
// terminationGracePeriod runs out) and its pods are planned again onto new nodes.
// Expiration is forceful, as in Karpenter v1: neither NodePool budgets nor do-not-disrupt
// hold it back (they are the disruption controller's, for voluntary disruption), because a
// node kept past its lifetime is the very thing expireAfter exists to prevent. The claim is
// annotated gantry.dev/disruption-reason=Expired first, so termination's Events and metrics
// say why.
#pragma once

#include "provisioner/nodeclaim/lifecycle_step.h"

namespace gantry::provisioner::nodeclaim {

// When `claim` expires: creationTimestamp + expireAfter; nullopt for "Never", a claim not
// created yet, or an expireAfter that does not parse (never expire rather than guess).
std::optional<Clock::TimePoint> expiresAt(const api::NodeClaim& claim);

class Expiration final : public LifecycleStep {
 public:
  explicit Expiration(LifecycleContext& ctx) : ctx_(ctx) {}
  std::string_view name() const override { return "expiration"; }
  // Deletes an expired claim (halting the later steps). Before that, requeues for the moment
  // of expiry only when it is near (within the hour): further off, the lifecycle's resync
  // comes round first anyway, and a timer a month out would only keep a simulated clock busy.
  Result<StepResult> reconcile(api::NodeClaim& claim) override;

 private:
  LifecycleContext& ctx_;
};

}  // namespace gantry::provisioner::nodeclaim
