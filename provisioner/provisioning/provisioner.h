// The provisioning controller (Karpenter's provisioner): each closed batch of pending pods is
// planned by the solver against the cluster (existing nodes, in-flight NodeClaims, NodePool
// limits), and every planned node becomes a NodeClaim created before any cloud call, then a
// launch through the CloudProvider, then the claim's status. Capacity errors re-plan at once.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "binpack/snapshot.h"
#include "cloudprovider/cloud_provider.h"
#include "provisioner/controller.h"
#include "provisioner/provisioning/batcher.h"
#include "provisioner/provisioning/cluster_snapshot.h"
#include "provisioner/provisioning/cluster_writer.h"
#include "src/common/clock.h"
#include "src/kube/event_recorder.h"

namespace gantry::provisioner {

// Condition on a NodePool while one of its limits keeps pods from being provisioned.
inline constexpr std::string_view kLimitReachedCondition = "LimitReached";

struct ProvisionerOptions {
  std::string region = "us-east-1";
  binpack::Options solver{};
  // After a launch error other than a capacity error, re-plan no sooner than this.
  std::chrono::milliseconds retryAfterError{10000};
  // How often run() checks the batcher, the stop token and retry deadlines.
  std::chrono::milliseconds pollInterval{20};
  api::Labels tags{};  // extra tags on every instance
  // Launches (cloud call + status write) run concurrently, at most this many at once.
  size_t maxParallelLaunches = 8;
};

// What one pass did, for logs and tests.
struct ProvisionResult {
  size_t podsConsidered = 0;
  size_t claimsCreated = 0;
  size_t launched = 0;
  size_t capacityErrors = 0;  // claims deleted after kInsufficientCapacity
  size_t launchErrors = 0;    // claims deleted after another launch error
  size_t unschedulable = 0;
  bool replanNow = false;  // a capacity error: plan again without waiting for a batch
  std::vector<std::string> launchedClaims;
};

// Reads the cluster for one pass (the informer cache in the controller).
using ClusterSource = std::function<ClusterObjects()>;

class Provisioner final : public Controller {
 public:
  // REQUIRES: every reference outlives the provisioner. `batcher` is the one the pending-pod
  // watcher triggers.
  Provisioner(ClusterSource source, Batcher& batcher, ClusterWriter& writer,
              cloudprovider::CloudProvider& cloud, kube::EventRecorder& events, Clock& clock,
              ProvisionerOptions options = {});

  std::string_view name() const override { return "provisioning"; }

  // Waits for batch windows (or a due re-plan) and runs provision() on a fresh read.
  // The first pass waits for the catalog if the cloud has not loaded it yet.
  void run(std::stop_token stop) override;

  // One pass over `objects`: solve, create NodeClaims, launch, record status and events.
  // Never throws; every failure is logged, evented and counted. Not thread-safe (one pass
  // at a time; run() is the only caller in the controller).
  ProvisionResult provision(const ClusterObjects& objects);

  // Claims this provisioner created that the given objects do not show yet (the cache lags
  // our own writes): they count as in-flight capacity. Thread-safe.
  std::vector<api::NodeClaim> ownInFlight(const std::vector<api::NodeClaim>& seen);

  // The cache saw this claim deleted: the provisioner's own record of it goes too. Without
  // it, a claim created and deleted between two passes (a node that never registered) would
  // count as in flight for ever. (Adds are left to ownInFlight: a pass whose read predates
  // the add must still count the claim.) Thread-safe; informer handlers call it.
  void claimDeleted(const std::string& name);

  // Drops from `claims` those this provisioner deleted (a failed launch) that the cache still
  // shows: counting them would leave their pods unplanned. Thread-safe.
  void dropOwnDeleted(std::vector<api::NodeClaim>& claims);

 private:
  struct Launch;  // one planned node on its way (provisioner_launch.cpp)
  void launchAll(std::vector<Launch>& launches, ProvisionResult& result);
  void finishLaunch(Launch& launch, Result<cloudprovider::CloudInstance> instance,
                    ProvisionResult& result);
  void reportUnschedulable(const binpack::Plan& plan, const ClusterObjects& objects,
                           const std::vector<api::NodePool>& pools, ProvisionResult& result);
  std::optional<Launch> prepare(const binpack::PlannedNode& node, const api::NodePool& pool,
                                const api::InstanceTypes& catalog, const ClusterObjects& objects);
  Result<api::Ec2NodeClass> nodeClass(const std::string& name);

  ClusterSource source_;
  Batcher& batcher_;
  ClusterWriter& writer_;
  cloudprovider::CloudProvider& cloud_;
  kube::EventRecorder& events_;
  Clock& clock_;
  const ProvisionerOptions options_;

  std::mutex mu_;
  std::map<std::string, api::NodeClaim> created_;  // guarded by mu_; until the cache has them
  std::set<std::string> deleted_;                   // guarded by mu_; until the cache drops them
  std::map<std::string, bool> limitBlocked_;        // pool -> condition last written
  std::map<std::string, api::Ec2NodeClass> nodeClasses_;  // per pass
  std::optional<Clock::TimePoint> retryAt_;  // guarded by mu_ while launches run
};

}  // namespace gantry::provisioner
