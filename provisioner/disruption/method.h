// One disruption method (Karpenter's disruption.Method): emptiness now; consolidation, drift,
// expiration and interruption plug in the same way. A method names its reason, lists the
// nodes it could disrupt, and decides, just before acting, whether a candidate still
// qualifies. Budgets, do-not-disrupt, Events, metrics and the termination path are the
// controller's, the same for every method.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "provisioner/disruption/budgets.h"
#include "provisioner/nodeclaim/cluster_access.h"
#include "src/api/node.h"
#include "src/api/nodeclaim.h"
#include "src/api/nodepool.h"
#include "src/common/clock.h"

namespace gantry::provisioner::disruption {

// A node a method may disrupt: its claim, Node and NodePool as the cache has them.
struct Candidate {
  std::shared_ptr<const api::NodeClaim> claim;
  std::shared_ptr<const api::Node> node;
  std::shared_ptr<const api::NodePool> pool;
  // Since when it qualifies (for the order: the longest-waiting first).
  Clock::TimePoint since{};
};

class Method {
 public:
  virtual ~Method() = default;
  virtual DisruptionReason reason() const = 0;
  // Whether `candidate` qualifies for this method at `now`, from the cluster as `reader` shows
  // it; called when listing candidates and again right before acting. Fast: it runs for
  // every initialized node on every pass.
  virtual bool qualifies(const Candidate& candidate, Clock::TimePoint now) const = 0;
  // Whether the pool allows this method at all (its policy, consolidateAfter Never).
  virtual bool enabledFor(const api::NodePool& pool) const = 0;
};

using MethodPtr = std::unique_ptr<Method>;

}  // namespace gantry::provisioner::disruption
