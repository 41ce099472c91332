// The disruption-marks step. Consolidatable is recomputed from stored times on every pass, so
// it is right after a restart without any in-memory history.
#include "provisioner/nodeclaim/disruption_marks.h"

#include <algorithm>

namespace gantry::provisioner::nodeclaim {

namespace {
namespace nc = api::nodeclaim;
using api::ConditionStatus;
}  // namespace

bool podEventChangesMarks(const api::NodeClaim& claim, Clock::TimePoint now) {
  if (claim.deleting() || !claim.isTrue(nc::kInitialized) || claim.isTrue(nc::kConsolidatable) ||
      !claim.lastPodEventTime) {
    return true;
  }
  return std::chrono::floor<std::chrono::seconds>(now) >= *claim.lastPodEventTime + kPodEventDedupe;
}

Result<StepResult> DisruptionMarks::reconcile(api::NodeClaim& claim) {
  const api::Condition* initialized = claim.condition(nc::kInitialized);
  if (initialized == nullptr || initialized->status != ConditionStatus::kTrue) return StepResult{};
  const auto now = ctx_.clock.now();

  // The newest pod event this process saw, to the second (RFC 3339 stores no more).
  std::optional<Clock::TimePoint> seen;
  if (ctx_.shared.podEvents && !claim.nodeName.empty()) {
    if (auto last = ctx_.shared.podEvents->last(claim.nodeName)) {
      seen = std::chrono::floor<std::chrono::seconds>(*last);
    }
  }
  if (seen && (!claim.lastPodEventTime || *seen >= *claim.lastPodEventTime + kPodEventDedupe)) {
    // Stored at most once per kPodEventDedupe, as Karpenter does: on a busy node every bind
    // and exit would otherwise be a status write. The timer below uses `seen` itself.
    claim.lastPodEventTime = *seen;
  }

  auto pool = ctx_.reader.nodePool(claim.nodePool());
  std::optional<Clock::Duration> after;
  if (pool) {
    auto parsed = api::parseNodeDuration(pool->consolidateAfter.empty() ? "0s"
                                                                         : pool->consolidateAfter);
    if (parsed) after = *parsed;  // nullopt: Never
  }
  if (!after) {
    if (claim.condition(nc::kConsolidatable)) {
      claim.setCondition(nc::kConsolidatable, ConditionStatus::kFalse, "ConsolidationDisabled",
                         pool ? "NodePool consolidateAfter is Never" : "NodePool not found", now);
    }
    return StepResult{};
  }
  Clock::TimePoint since = initialized->lastTransitionTime;
  if (claim.lastPodEventTime) since = std::max(since, *claim.lastPodEventTime);
  if (seen) since = std::max(since, *seen);
  const Clock::TimePoint due = since + *after;
  if (now >= due) {
    claim.setCondition(nc::kConsolidatable, ConditionStatus::kTrue, "Consolidatable", "", now);
    return StepResult{};
  }
  if (claim.condition(nc::kConsolidatable)) {
    claim.setCondition(nc::kConsolidatable, ConditionStatus::kFalse, "RecentPodEvent",
                       "a pod bound to or left the node less than consolidateAfter ago", now);
  }
  return StepResult{.requeue = due - now};
}

}  // namespace gantry::provisioner::nodeclaim
