// The drift mark (Karpenter's nodeclaim disruption Drift sub-reconciler): sets a launched
// claim's Drifted condition, with the reason, when the node it stands for is no longer what
// its NodePool and EC2NodeClass would make today, and removes it again when it is. The
// disruption controller's drift method (disruption/drift.h) replaces what is marked, within
// the NodePool's budgets. Checked in this order, cheapest first, the first that holds wins:
//   NodePoolDrifted      the claim's gantry.dev/nodepool-hash differs from its pool's template
//                        hash at the same hash version (src/api/nodepool_hash.h); a claim
//                        without the annotations, or stamped at another version, is not
//                        compared (Karpenter's rule: an upgrade does not roll the fleet);
//   RequirementsDrifted  a pool requirement is not met by the claim's labels (the Node's for
//                        keys the claim has no label for). Unlike Karpenter, a key neither
//                        labels does not count as drift: it would replace every node of a
//                        pool that selects on a label the launch never records;
//   the cloud's verdict  CloudProvider::isDrifted on the instance as the cloud reports it now
//                        (ImageDrift, SubnetDrift, SecurityGroupDrift on EC2). One describe
//                        per claim, so it is asked at most once per driftCheckInterval and the
//                        last answer kept in between; a failed call keeps the mark as it was.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "provisioner/nodeclaim/lifecycle_step.h"

namespace gantry::provisioner::nodeclaim {

// Drift reasons found without the cloud (the cloud's own come from CloudProvider::isDrifted).
inline constexpr std::string_view kNodePoolDrifted = "NodePoolDrifted";
inline constexpr std::string_view kRequirementsDrifted = "RequirementsDrifted";

struct DriftVerdict {
  std::string reason;   // "" when not drifted
  std::string message;  // for the condition and the Event
};

// The checks that need no cloud call. Pure. `poolHash` is api::nodePoolHash(pool);
// `nodeLabels` may be null.
DriftVerdict staticDrift(const api::NodePool& pool, std::string_view poolHash,
                         const api::NodeClaim& claim, const api::Labels* nodeLabels);

class DriftMarks final : public LifecycleStep {
 public:
  explicit DriftMarks(LifecycleContext& ctx) : ctx_(ctx) {}
  std::string_view name() const override { return "drift-marks"; }
  // Only for launched claims; removes the mark from one not launched. Never requeues: the
  // lifecycle's resync brings every claim back often enough.
  Result<StepResult> reconcile(api::NodeClaim& claim) override;

 private:
  struct CloudVerdict {
    std::string uid;  // of the claim it was asked for
    std::optional<std::string> reason;
    Clock::TimePoint at;
  };
  // The cloud's verdict, asked again once driftCheckInterval has passed: the reason, "" when
  // not drifted, nullopt when the cloud has not answered for this claim (errors are logged).
  std::optional<std::string> cloudDrift(const api::NodeClaim& claim);
  // api::nodePoolHash of the pool, computed once per cached pool object: the cache hands out
  // a new object whenever the pool changes, and every pod event on a node brings its claim
  // through this step.
  std::string poolHash(const std::shared_ptr<const api::NodePool>& pool);

  LifecycleContext& ctx_;
  std::mutex mu_;
  // By claim name; a verdict for another uid (a claim of the same name made since) is stale.
  // Guarded by mu_.
  std::unordered_map<std::string, CloudVerdict> cloud_;
  struct PoolHash {
    std::shared_ptr<const api::NodePool> pool;  // held, so its address is not reused
    std::string hash;
  };
  std::map<std::string, PoolHash, std::less<>> poolHashes_;  // by pool name; guarded by mu_
};

}  // namespace gantry::provisioner::nodeclaim
