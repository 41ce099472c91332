// Emptiness (Karpenter's emptiness method): a node whose training pods have finished is
// deleted once it has been empty for its NodePool's consolidateAfter, under both
// consolidation policies. Empty means no pod other than DaemonSet and mirror pods is on it in
// a non-terminal phase (Succeeded and Failed pods do not count; a pod still pulling its
// image or in ContainerCreating does), no pending pod is nominated to it by the scheduler,
// and the provisioner did not plan a pod onto it (or onto its NodeClaim) in its last passes.
// "For consolidateAfter" is the lifecycle's Consolidatable mark (status.lastPodEventTime).
#pragma once

#include "provisioner/disruption/method.h"
#include "provisioner/state/nominations.h"

namespace gantry::provisioner::disruption {

// Whether the Node `nodeName` (with NodeClaim `claimName`) holds no work now. Pure over the
// reader and nominations.
bool nodeIsEmpty(const nodeclaim::LifecycleReader& reader, const state::Nominations* nominations,
                 const std::string& nodeName, const std::string& claimName,
                 Clock::TimePoint now);

class Emptiness final : public Method {
 public:
  // REQUIRES: reader (and nominations, when set) outlive it.
  Emptiness(const nodeclaim::LifecycleReader& reader, const state::Nominations* nominations)
      : reader_(reader), nominations_(nominations) {}

  DisruptionReason reason() const override { return DisruptionReason::kEmpty; }
  bool qualifies(const Candidate& candidate, Clock::TimePoint now) const override;
  bool enabledFor(const api::NodePool& pool) const override;

 private:
  const nodeclaim::LifecycleReader& reader_;
  const state::Nominations* nominations_;
};

}  // namespace gantry::provisioner::disruption
