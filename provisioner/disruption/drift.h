// Drift (Karpenter's drift method): a node whose NodeClaim the lifecycle marked Drifted
// (nodeclaim/drift_marks.h: NodePool template or requirements changed, or the EC2NodeClass
// now resolves to another image, subnet set or security groups) is replaced: the controller
// holds back what do-not-disrupt or the NodePool's budgets for Drifted protect, and deletes
// the rest, one budget's worth at a time; the termination finalizer drains each Node through
// the Eviction API and its pods are planned again onto nodes made from today's template.
// Drift is on for every pool whatever its consolidation policy (as in Karpenter v1); budgets
// with `reasons: [Drifted]` and `nodes: 0` are how a pool pauses it.
#pragma once

#include "provisioner/disruption/method.h"

namespace gantry::provisioner::disruption {

class Drift final : public Method {
 public:
  // REQUIRES: reader outlives it.
  explicit Drift(const nodeclaim::LifecycleReader& reader) : reader_(reader) {}
  DisruptionReason reason() const override { return DisruptionReason::kDrifted; }
  // The claim's Drifted condition is True (read again from the cache before acting, so a
  // mark cleared in the meantime spares the node).
  bool qualifies(const Candidate& candidate, Clock::TimePoint now) const override;
  bool enabledFor(const api::NodePool&) const override { return true; }

 private:
  const nodeclaim::LifecycleReader& reader_;
};

}  // namespace gantry::provisioner::disruption
