// The disruption controller (Karpenter's disruption controller, one loop for every method):
// a pass lists what each method could disrupt, holds back what do-not-disrupt or the
// NodePool's budgets protect (with an Event saying which), and for the rest fences the Node
// (gantry.dev/disrupted:NoSchedule), checks the method's verdict once more against the cache,
// and deletes the NodeClaim with its reason annotated. The NodeClaim's termination finalizer
// does the rest (drain through the Eviction API, PodDisruptionBudgets respected, Node
// deleted, instance terminated). Passes run every few seconds, as a singleton key on the
// controller skeleton, and at once when a NodeClaim changes.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "provisioner/controller.h"
#include "provisioner/disruption/consolidation.h"
#include "provisioner/disruption/method.h"
#include "provisioner/metrics.h"
#include "provisioner/nodeclaim/cluster_access.h"
#include "provisioner/runtime/queue_controller.h"
#include "provisioner/state/nominations.h"
#include "src/common/clock.h"
#include "src/kube/cluster_cache.h"
#include "src/kube/event_recorder.h"
#include "src/kube/rest_client.h"

namespace gantry::provisioner::disruption {

struct DisruptionOptions {
  // Karpenter's disruption controller polls every 10 s (pollingPeriod) too.
  Clock::Duration passInterval = std::chrono::seconds(10);
  // A node held back for the same cause is told again (Event) no sooner than this.
  Clock::Duration repeatBlockedEventsAfter = std::chrono::minutes(5);
  // A fenced node whose claim is not deleting is taken for a crash's leftover only once it has
  // stayed so this long: another actor (the interruption handler) fences, annotates and
  // deletes in steps, and a pass between them must not undo its fence and reason.
  Clock::Duration staleFenceAfter = std::chrono::minutes(1);
};

// What one pass did, for logs, tests and the benchmark.
struct PassResult {
  size_t nodes = 0;       // initialized nodes looked at
  size_t candidates = 0;  // qualified for some method
  size_t blocked = 0;     // held back (do-not-disrupt, budget, no longer qualifying)
  std::vector<std::string> disrupted;  // NodeClaims deleted
};

// A runtime::Reconciler of the one key "disruption". Not thread-safe with itself (one worker).
// References (and nominations/metrics when set) outlive it.
class DisruptionReconciler final : public runtime::Reconciler {
 public:
  static constexpr const char* kKey = "disruption";

  DisruptionReconciler(const nodeclaim::LifecycleReader& reader,
                       nodeclaim::LifecycleWriter& writer, kube::EventRecorder& events,
                       Clock& clock, DisruptionOptions options = {},
                       const state::Nominations* nominations = nullptr,
                       ProvisionerMetrics* metrics = nullptr);

  // One pass. Errors of single writes are logged and the node is tried again next pass.
  PassResult pass();

  // Adds consolidation (consolidation.h) after emptiness; each pass first steps its decision.
  // REQUIRES: before the first pass.
  void enableConsolidation(ConsolidationDeps deps);
  const Consolidation* consolidation() const { return consolidation_; }

  Result<runtime::Requeue> reconcile(const std::string& key) override;
  std::vector<std::string> resyncKeys() override { return {kKey}; }

 private:
  struct PoolCount {
    int64_t nodes = 0;       // initialized, as budgets count them
    int64_t disrupting = 0;  // deleting, fenced or not Ready, plus those this pass started
  };
  // Fences, re-checks and deletes; false when the candidate was left alone.
  bool disrupt(const Method& method, const Candidate& candidate);
  // Tells (Event, metric) that `candidate` is held back, unless it was told for the same cause
  // and `blocker` (what blocks: the object, the budget) within repeatBlockedEventsAfter.
  void blocked(const Candidate& candidate, const std::string& cause, const std::string& message,
               const std::string& blocker);
  // Whether this reconciler deleted `claim` lately (the cache may not show it deleting yet).
  bool recentlyDisrupted(const std::string& claim, Clock::TimePoint now);
  // Whether the fence on `claim`'s node has stood without a delete for staleFenceAfter;
  // `seen` collects the claims asked about this pass (the others are forgotten).
  bool fenceLeftBehind(const std::string& claim, Clock::TimePoint now,
                       std::set<std::string>& seen);
  void clearStaleFence(const api::NodeClaim& claim, const api::Node& node);
  void accountIdleGpus(const api::NodeClaim& claim, const api::Node& node,
                       Clock::Duration elapsed);

  const nodeclaim::LifecycleReader& reader_;
  nodeclaim::LifecycleWriter& writer_;
  kube::EventRecorder& events_;
  Clock& clock_;
  const DisruptionOptions options_;
  const state::Nominations* nominations_;
  ProvisionerMetrics* metrics_;
  std::vector<MethodPtr> methods_;
  Consolidation* consolidation_ = nullptr;  // in methods_ when enabled
  std::optional<Clock::TimePoint> lastPass_;
  // claim -> (cause and blocker, when told)
  std::map<std::string, std::pair<std::string, Clock::TimePoint>> told_;
  std::map<std::string, Clock::TimePoint> disruptedAt_;  // claims this reconciler deleted
  // claims first seen fenced but not deleting -> when
  std::map<std::string, Clock::TimePoint> fencedSince_;
  std::map<std::pair<std::string, std::string>, bool> eligibleSeries_;   // (pool, reason) seen
};

// The reconciler on the skeleton, over the cache (in-cluster wiring).
class DisruptionController final : public Controller {
 public:
  // REQUIRES: `cache` built with gantryResources = true and not started; the lifecycle's
  // indexes added (nodeclaim::addLifecycleIndexes); every reference outlives the controller.
  DisruptionController(kube::ClusterCache& cache, kube::RestClient& client,
                       kube::EventRecorder& events, Clock& clock, DisruptionOptions options = {},
                       const state::Nominations* nominations = nullptr,
                       ProvisionerMetrics* metrics = nullptr,
                       prometheus::Registry* registry = nullptr);
  std::string_view name() const override { return "disruption"; }
  void run(std::stop_token stop) override { controller_.run(stop); }
  // REQUIRES: before run().
  void enableConsolidation(ConsolidationDeps deps) {
    reconciler_.enableConsolidation(std::move(deps));
  }

 private:
  nodeclaim::CacheLifecycleReader reader_;
  nodeclaim::KubeLifecycleWriter writer_;
  DisruptionReconciler reconciler_;
  runtime::QueueController controller_;
};

}  // namespace gantry::provisioner::disruption
