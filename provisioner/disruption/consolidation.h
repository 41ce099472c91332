// Consolidation (Karpenter's single- and multi-node consolidation), as one disruption method.
// Each disruption pass first calls step(), which moves one decision along:
//   idle        -> plan (consolidation_planner.h) on a fresh read of the cluster; a move found
//                  waits for the validation period (15 s, as Karpenter);
//   validating  -> re-simulate the same nodes (revalidate); if the cluster changed so that the
//                  move no longer holds, or a PodDisruptionBudget allows none of its pods'
//                  evictions, drop it. Otherwise act: metrics, Events, and either launch the
//                  replacement NodeClaim (built like provisioning's) or go straight to drain;
//   launching   -> wait for the replacement to be Initialized. If its launch fails (the claim
//                  is deleted) or it does not initialize in time, drop the move: nothing has
//                  been drained;
//   draining    -> qualifies() is true for the move's nodes during this pass, so the controller
//                  fences and deletes them with reason Underutilized, within budgets and
//                  do-not-disrupt, exactly as for emptiness. The next step() starts over.
// The pods to move are nominated to the replacement meanwhile, so emptiness does not reap it
// before they arrive.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>

#include "provisioner/disruption/consolidation_metrics.h"
#include "provisioner/disruption/consolidation_input.h"
#include "provisioner/disruption/consolidation_planner.h"
#include "provisioner/disruption/eviction_probe.h"
#include "provisioner/disruption/method.h"
#include "provisioner/provisioning/cluster_writer.h"
#include "provisioner/provisioning/provisioner.h"
#include "provisioner/state/nominations.h"
#include "src/kube/event_recorder.h"

namespace gantry::provisioner::disruption {

struct ConsolidationDeps {
  ClusterSource source;  // one read of the cluster as values
  std::function<Result<api::InstanceTypesPtr>()> catalog;
  // Creates replacements; null: only moves that buy nothing are taken.
  ClusterWriter* writer = nullptr;
  EvictionProbe* evictions = nullptr;        // null: PDBs are left to the drain
  ConsolidationMetrics* metrics = nullptr;   // optional
  state::Nominations* nominations = nullptr;  // optional: protects replacements from emptiness
  std::string region = "us-east-1";
  ConsolidationOptions planner{};
  Clock::Duration validationPeriod = std::chrono::seconds(15);
  // A replacement not Initialized by then is given up on (its own registration TTL reaps it).
  Clock::Duration replacementTimeout = std::chrono::minutes(15);
};

class Consolidation final : public Method {
 public:
  enum class Phase { kIdle, kValidating, kLaunching, kDraining };

  // REQUIRES: reader, events and everything deps points to outlive it.
  Consolidation(ConsolidationDeps deps, const nodeclaim::LifecycleReader& reader,
                kube::EventRecorder& events);

  DisruptionReason reason() const override { return DisruptionReason::kUnderutilized; }
  bool enabledFor(const api::NodePool& pool) const override;
  // True only while draining, for the move's nodes, and only if no pod arrived on the node
  // since the move was validated.
  bool qualifies(const Candidate& candidate, Clock::TimePoint now) const override;

  // Moves the decision along (see above). Never throws; errors drop the decision (logged).
  void step(Clock::TimePoint now);

  Phase phase() const { return phase_; }
  const std::optional<Move>& move() const { return move_; }
  const std::string& replacementClaim() const { return replacement_; }

 private:
  struct Read {
    ClusterObjects objects;
    api::InstanceTypesPtr catalog;
    BuiltInput built;
  };
  std::optional<Read> read(Clock::TimePoint now);
  bool anyCandidateClaim() const;
  void plan(Clock::TimePoint now);
  void validate(Clock::TimePoint now);
  void watchReplacement(Clock::TimePoint now);
  bool launch(const Read& r, Clock::TimePoint now);
  // Forgets the decision, telling why on the move's nodes.
  void drop(const std::string& why);
  void tell(const std::string& reason, const std::string& message, kube::EventType type);
  void tellBlocked(const Read& r);
  void protectReplacement(Clock::TimePoint now);

  const ConsolidationDeps deps_;
  const nodeclaim::LifecycleReader& reader_;
  kube::EventRecorder& events_;
  Phase phase_ = Phase::kIdle;
  std::optional<Move> move_;
  Clock::TimePoint since_{};
  std::string replacement_;        // claim name, while launching and after
  bool replacementSeen_ = false;   // the cache showed it at least once
  std::string replacementNode_;
  Clock::TimePoint protectUntil_{};
  std::vector<std::string> protectedPods_;
  std::map<std::string, std::string> claimUids_;  // of the move's claims, for Events
  std::map<std::string, Clock::TimePoint> drained_;  // claims handed to the drain lately
  std::map<std::string, std::string> toldBlocked_;   // claim -> last block message told
  // The last search that found nothing, and what it searched (consolidation_fingerprint.h).
  struct NothingFound {
    uint64_t fingerprint = 0;
    Clock::TimePoint at{};
  };
  std::optional<NothingFound> nothingFound_;
  static constexpr Clock::Duration kSearchUnchangedAgainAfter = std::chrono::minutes(5);
};

}  // namespace gantry::provisioner::disruption
