// Disruption marks (Karpenter's lifecycle consolidation marker and podevents): what the
// disruption controllers read off an initialized claim instead of working it out again on
// every pass. status.lastPodEventTime is the last time a pod bound to or left the claim's
// Node (from state::PodEvents), and Consolidatable=True says the NodePool's consolidateAfter
// has passed since then (or since initialization, when no pod came or went). Whether the node
// is empty is the emptiness method's question, asked at decision time.
#pragma once

#include <chrono>

#include "provisioner/nodeclaim/lifecycle_step.h"

namespace gantry::provisioner::nodeclaim {

// status.lastPodEventTime moves only when a pod event is at least this much newer than the
// stored time (Karpenter's podevents dedupe), so the stored time lags by less than this.
// The Consolidatable timer counts from the event itself, as this process saw it.
inline constexpr Clock::Duration kPodEventDedupe = std::chrono::seconds(10);

// Whether a pod event on the claim's node at `now` can change what a lifecycle pass stores:
// an event on a claim being deleted or not yet initialized, the first event, one at least
// kPodEventDedupe past the stored lastPodEventTime, or one that must take Consolidatable=True
// back. Any other is left to the requeue an earlier pass set for the consolidateAfter
// deadline, which reads the event from PodEvents then: a pass now would write nothing. Both
// hosts' pod handlers ask this, which spares about a third of a busy day's passes.
bool podEventChangesMarks(const api::NodeClaim& claim, Clock::TimePoint now);

class DisruptionMarks final : public LifecycleStep {
 public:
  explicit DisruptionMarks(LifecycleContext& ctx) : ctx_(ctx) {}
  std::string_view name() const override { return "disruption-marks"; }
  // Requeues the claim for the moment it turns Consolidatable.
  Result<StepResult> reconcile(api::NodeClaim& claim) override;

 private:
  LifecycleContext& ctx_;
};

}  // namespace gantry::provisioner::nodeclaim
