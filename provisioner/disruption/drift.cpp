// The drift method. It decides nothing itself: whether a node drifted is the lifecycle's
// mark, recomputed there from the pool and the cloud, so the method stays as cheap as the
// contract of Method::qualifies asks.
#include "provisioner/disruption/drift.h"

namespace gantry::provisioner::disruption {

bool Drift::qualifies(const Candidate& candidate, Clock::TimePoint) const {
  if (!candidate.claim->isTrue(api::nodeclaim::kDrifted)) return false;
  // The pass's copy may be older than the fence; the cache's is the last word.
  auto current = reader_.nodeClaim(candidate.claim->name);
  return current != nullptr && current->uid == candidate.claim->uid &&
         current->isTrue(api::nodeclaim::kDrifted);
}

}  // namespace gantry::provisioner::disruption
