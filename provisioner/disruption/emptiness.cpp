// The emptiness test. Work that has not started yet counts as work: a bound pod in any
// non-terminal phase, a scheduler nomination, a provisioner nomination. Reaping the node a
// Katib trial is about to start on would only buy the same node again a minute later.
#include "provisioner/disruption/emptiness.h"

namespace gantry::provisioner::disruption {

namespace {

bool runsEverywhere(const api::Pod& pod) {
  return pod.owner.kind == "DaemonSet" || pod.annotations.contains("kubernetes.io/config.mirror");
}

}  // namespace

bool nodeIsEmpty(const nodeclaim::LifecycleReader& reader, const state::Nominations* nominations,
                 const std::string& nodeName, const std::string& claimName,
                 Clock::TimePoint now) {
  // podsOn leaves terminal pods out.
  if (reader.anyPodOn(nodeName, [](const api::Pod& pod) { return !runsEverywhere(pod); })) {
    return false;
  }
  if (nominations &&
      (nominations->nominated(nodeName, now) || nominations->nominated(claimName, now))) {
    return false;
  }
  return reader.podsNominatedTo(nodeName).empty();
}

bool Emptiness::qualifies(const Candidate& candidate, Clock::TimePoint now) const {
  if (!candidate.claim->isTrue(api::nodeclaim::kConsolidatable)) return false;
  return nodeIsEmpty(reader_, nominations_, candidate.node->name, candidate.claim->name, now);
}

bool Emptiness::enabledFor(const api::NodePool& pool) const {
  // Both policies reap empty nodes; only consolidateAfter: Never turns it off.
  return pool.consolidateAfterDuration().has_value();
}

}  // namespace gantry::provisioner::disruption
