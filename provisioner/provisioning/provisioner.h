// The provisioning controller (Karpenter's provisioner): each closed batch of pending pods is
// planned by the solver against the cluster (existing nodes, in-flight NodeClaims, NodePool
// limits), and every planned node becomes a NodeClaim. That is all it writes: launching
// belongs to the NodeClaim lifecycle, so a crash between "claim created" and "instance
// launched" leaves a claim the lifecycle simply launches on restart. Pools whose launches keep
// failing (state::LaunchBackoff) or whose EC2NodeClass is not ready are left out of the plan,
// and the pods are told why; a capacity error re-plans at once.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "binpack/catalog_index_cache.h"
#include "binpack/snapshot.h"
#include "cloudprovider/cloud_provider.h"
#include "provisioner/controller.h"
#include "provisioner/metrics.h"
#include "provisioner/provisioning/batcher.h"
#include "provisioner/provisioning/cluster_snapshot.h"
#include "provisioner/provisioning/cluster_writer.h"
#include "provisioner/state/launch_backoff.h"
#include "provisioner/state/nominations.h"
#include "src/common/clock.h"
#include "src/common/status.h"
#include "src/kube/event_recorder.h"

namespace gantry::provisioner {

// Condition on a NodePool while one of its limits keeps pods from being provisioned.
inline constexpr std::string_view kLimitReachedCondition = "LimitReached";

struct ProvisionerOptions {
  std::string region = "us-east-1";
  binpack::Options solver{};
  // After an error reading the catalog, solving or creating a claim, re-plan no sooner than
  // this.
  std::chrono::milliseconds retryAfterError{10000};
  // While pods stay unschedulable and some offering is marked unavailable after a capacity
  // error, re-plan this often: the mark expires (3 min) without any pod or node event, and
  // nothing else would wake the batcher for those pods.
  std::chrono::milliseconds retryWhileUnavailable{30000};
  // How often run() checks the batcher, the stop token and retry deadlines.
  std::chrono::milliseconds pollInterval{20};
  // NodeClaim creates run concurrently, at most this many at once.
  size_t maxParallelCreates = 8;
  // A pod is told the same thing (reason + message) at most once per this period.
  Clock::Duration repeatEventsAfter = std::chrono::minutes(5);
  // Plans a pass. Empty: binpack::solve, which the controller always uses. `gantry simulate
  // --compare` puts other autoscalers' decisions here (provisioner/simulate/baseline_*.h) to
  // play them through the same lifecycle. REQUIRES: a pure function of its arguments.
  std::function<Result<binpack::Plan>(const binpack::Snapshot&, const api::InstanceTypes&,
                                      const binpack::Options&)>
      planner{};
};

// State shared with the other controllers; null members are not used.
struct ProvisionerShared {
  state::Nominations* nominations = nullptr;  // written: what each pass planned where
  state::LaunchBackoff* launchBackoff = nullptr;  // read: pools to leave out for now
  ProvisionerMetrics* metrics = nullptr;  // batch sizes, durations, claims created
};

// What one pass did, for logs and tests.
struct ProvisionResult {
  size_t podsConsidered = 0;
  size_t claimsCreated = 0;
  size_t unschedulable = 0;
  std::vector<std::string> createdClaims;
  std::vector<std::string> skippedPools;  // held back (launch backoff, node class not ready)
};

// Reads the cluster for one pass (the informer cache in the controller).
using ClusterSource = std::function<ClusterObjects()>;

class Provisioner final : public Controller {
 public:
  // REQUIRES: every reference (and shared's pointees) outlives the provisioner. `batcher` is
  // the one the pending-pod watcher triggers.
  Provisioner(ClusterSource source, Batcher& batcher, ClusterWriter& writer,
              cloudprovider::CloudProvider& cloud, kube::EventRecorder& events, Clock& clock,
              ProvisionerOptions options = {}, ProvisionerShared shared = {});

  std::string_view name() const override { return "provisioning"; }

  // Waits for batch windows (or a due re-plan) and runs provision() on a fresh read.
  void run(std::stop_token stop) override;

  // One pass over `objects` (taken by value: the pass adds its own in-flight claims, and a
  // caller done with its read moves it in rather than copy every bound pod): solve, create
  // NodeClaims, record nominations and events.
  // Never throws; every failure is logged, evented and counted. Not thread-safe (one pass
  // at a time; run() is the only caller in the controller).
  // `batchClosed` is when the window that asked for this pass closed (the start of
  // gantry_provisioning_duration_seconds); without one the pass's own start.
  ProvisionResult provision(ClusterObjects objects,
                            std::optional<Clock::TimePoint> batchClosed = std::nullopt);

  // Claims this provisioner created that the given objects do not show yet (the cache lags
  // our own writes): they count as in-flight capacity. Thread-safe.
  std::vector<api::NodeClaim> ownInFlight(const std::vector<api::NodeClaim>& seen);

  // The cache saw this claim deleted: the provisioner's own record of it goes too. Without
  // it, a claim created and deleted between two passes (a node that never registered) would
  // count as in flight for ever. Thread-safe; informer handlers call it.
  void claimDeleted(const std::string& name);

  // The lifecycle could not launch this claim and deleted it. Until the cache drops it, it
  // must not count as in-flight (its pods would wait for capacity that never comes); after a
  // capacity error the next pass runs at once. Thread-safe; lifecycle workers call it.
  void launchFailed(const std::string& name, bool capacityError);

  // Drops from `claims` those the lifecycle deleted after a failed launch that the cache
  // still shows. Thread-safe.
  void dropFailedLaunches(std::vector<api::NodeClaim>& claims);

  // When a pass asked to be repeated although no trigger may come (after an error, while a
  // pool backs off, while offerings are held back after capacity errors), if one did. run()
  // honours it; a virtual-clock host that calls provision() itself wakes for it. Thread-safe.
  std::optional<Clock::TimePoint> retryAt() const;
  // True, and the request cleared, when it is due at `now`. Thread-safe.
  bool takeDueRetry(Clock::TimePoint now);

 private:
  struct PlannedClaim;  // one planned node on its way to a NodeClaim (provisioner_claims.cpp)
  void createAll(std::vector<PlannedClaim>& planned, ProvisionResult& result);
  void reportUnschedulable(const binpack::Plan& plan, const ClusterObjects& objects,
                           const std::vector<api::NodePool>& pools,
                           const std::map<std::string, std::string>& skipped,
                           ProvisionResult& result);
  // Pools to leave out of this pass, with why: launches backing off, a node class not ready.
  std::map<std::string, std::string> poolsToSkip(const ClusterObjects& objects);
  std::optional<PlannedClaim> prepare(const binpack::PlannedNode& node, const api::NodePool& pool,
                                      const api::InstanceTypes& catalog,
                                      const ClusterObjects& objects);
  void nominate(const binpack::Plan& plan);
  // An Event on a pod, unless it was told exactly this within repeatEventsAfter.
  void tellPod(const api::Pod& pod, kube::EventType type, const std::string& reason,
               const std::string& message);

  ClusterSource source_;
  Batcher& batcher_;
  ClusterWriter& writer_;
  cloudprovider::CloudProvider& cloud_;
  kube::EventRecorder& events_;
  Clock& clock_;
  const ProvisionerOptions options_;
  const ProvisionerShared shared_;

  mutable std::mutex mu_;
  std::map<std::string, api::NodeClaim> created_;  // guarded by mu_; until the cache has them
  std::set<std::string> failed_;                    // guarded by mu_; until the cache drops them
  std::optional<Clock::TimePoint> retryAt_;         // guarded by mu_
  std::atomic<bool> replanNow_{false};
  // Pass thread only.
  // The catalog index of earlier passes: rebuilt only when the catalog, the NodePools or the
  // DaemonSets change, not on every pass.
  binpack::CatalogIndexCache indexes_;
  std::map<std::string, bool> limitBlocked_;  // pool -> condition last written
  std::map<std::string, std::pair<std::string, Clock::TimePoint>> told_;  // pod uid -> last
};

}  // namespace gantry::provisioner
