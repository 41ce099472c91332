// The parts of a NodeClaim's lifecycle (Karpenter's nodeclaim/lifecycle sub-reconcilers):
// launch, registration, initialization, liveness and disruption marks, each a LifecycleStep in
// a file of its own. LifecycleReconciler runs them in that order on a working copy of the
// claim and writes what they changed once, at the end; the steps share the seams and options
// through LifecycleContext.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "cloudprovider/cloud_provider.h"
#include "provisioner/metrics.h"
#include "provisioner/nodeclaim/cluster_access.h"
#include "provisioner/runtime/reconciler.h"
#include "provisioner/state/launch_backoff.h"
#include "provisioner/state/pod_events.h"
#include "src/api/nodeclaim.h"
#include "src/common/clock.h"
#include "src/common/status.h"
#include "src/kube/event_recorder.h"

namespace gantry::provisioner::nodeclaim {

using runtime::Requeue;

struct LifecycleOptions {
  // Launched → Registered deadline; past it the instance is terminated and the claim deleted.
  Clock::Duration registrationTtl = std::chrono::minutes(15);
  // How soon a claim waiting on something outside our events (an instance terminating) is
  // looked at again.
  Clock::Duration pollInterval = std::chrono::seconds(2);
  // After an eviction a PodDisruptionBudget refused (HTTP 429), the drain tries again after
  // this, doubling per consecutive refused pass up to maxEvictionRetry.
  Clock::Duration evictionRetry = std::chrono::seconds(1);
  Clock::Duration maxEvictionRetry = std::chrono::seconds(30);
  // A gang member waits this long for the rest of its gang's claims to appear before the
  // gang is given up (its claims deleted, its pods planned again).
  Clock::Duration gangAssemblyTimeout = std::chrono::seconds(30);
  api::Labels tags{};  // extra tags on every instance
  // How often a launched claim's instance is checked against its node class (one cloud
  // describe per claim each time; see drift_marks.h).
  Clock::Duration driftCheckInterval = std::chrono::minutes(5);
};

// State shared with other controllers; every member is optional (null: not used).
struct LifecycleShared {
  // Launch failures other than capacity errors are recorded here (per NodePool and
  // EC2NodeClass) so that the provisioner backs off; successes reset it.
  state::LaunchBackoff* launchBackoff = nullptr;
  // Pod bind/leave moments per node, copied into status.lastPodEventTime.
  state::PodEvents* podEvents = nullptr;
  // Called (on a lifecycle worker) after a launch failed and its claim was deleted, with the
  // claim's name and whether it was a capacity error: the provisioner re-plans its pods,
  // at once for a capacity error (the offering is marked unavailable by then).
  std::function<void(const std::string& claim, bool capacityError)> onLaunchFailed;
};

// Claims this lifecycle deleted (by uid) whose deletion the cache may not show yet. The cache
// lags our own writes: the status written just before a delete comes back as an update first,
// and a pass over that copy would act on a claim already deleted (launch it again, record
// the same launch failure, and its backoff, twice). Entries go when the cache shows the
// claim deleting, or after ten minutes (a claim without finalizers just vanishes).
// Thread-safe.
class DeletedClaims {
 public:
  void add(const std::string& uid, Clock::TimePoint now);
  bool contains(const std::string& uid) const;
  void forget(const std::string& uid);

 private:
  mutable std::mutex mu_;
  std::map<std::string, Clock::TimePoint> deletedAt_;  // guarded by mu_
};

struct LifecycleContext {
  LifecycleReader& reader;
  LifecycleWriter& writer;
  cloudprovider::CloudProvider& cloud;
  kube::EventRecorder& events;
  Clock& clock;
  LifecycleOptions options;
  LifecycleShared shared;
  mutable DeletedClaims deleted{};
  // Launch failures are counted where they happen; launched, registered and initialized by
  // the reconciler once written. Null: not counted.
  ProvisionerMetrics* metrics = nullptr;

  void event(const api::NodeClaim& claim, kube::EventType type, const std::string& reason,
             const std::string& message) const;
  // Patches the claim's status from `claim` (a modified copy of the cached claim, carrying
  // the cached resourceVersion, so a concurrent writer gives kConflict rather than being
  // undone).
  Status writeStatus(const api::NodeClaim& claim) const;
  // The claim's Node: by status.nodeName (if it has the claim's providerID), else by
  // providerID; null when there is none.
  std::shared_ptr<const api::Node> nodeOf(const api::NodeClaim& claim) const;
  // Deletes the claim (its finalizer then terminates whatever it launched), remembers it in
  // `deleted` and records a Warning Event. kNotFound counts as done.
  Status deleteClaim(const api::NodeClaim& claim, const std::string& reason,
                     const std::string& message) const;
};

// What one step did.
struct StepResult {
  Requeue requeue{};     // when to look again; the reconciler takes the earliest of all steps
  bool halt = false;     // the later steps have nothing to do yet (not launched, registered...)
  bool deleted = false;  // the step deleted the claim: nothing is left to write
};

class LifecycleStep {
 public:
  virtual ~LifecycleStep() = default;
  virtual std::string_view name() const = 0;
  // Advances `claim`, the reconciler's working copy: status fields, conditions and labels may
  // be changed in place and are written after the last step (labels first, then status).
  // Writes to other objects (the Node, the cloud) happen here. An error stops the pass; what
  // earlier steps changed is still written. Not called for a claim being deleted.
  virtual Result<StepResult> reconcile(api::NodeClaim& claim) = 0;
};

using LifecycleStepPtr = std::unique_ptr<LifecycleStep>;

// Resources every node has; anything else a claim requests (nvidia.com/gpu, amd.com/gpu,
// aws.amazon.com/neuron, vpc.amazonaws.com/efa...) is registered late by a device plugin.
bool isExtendedResource(std::string_view name);

// "90s" for logs and messages.
std::string formatSeconds(Clock::Duration d);

}  // namespace gantry::provisioner::nodeclaim
