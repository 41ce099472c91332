// NodePool disruption budgets: how many more of a pool's nodes a disruption controller may
// start disrupting now, for one reason. Pure (no I/O, the time is passed in); the controller
// counts the nodes and publishes the Events. Semantics are Karpenter v1's
// (sigs.k8s.io/karpenter pkg/apis/v1/nodepool.go GetAllowedDisruptionsByReason and
// pkg/controllers/disruption/helpers.go BuildDisruptionBudgetMapping):
//   - a budget applies to a reason when it lists no reasons or lists that one;
//   - a budget without schedule is always active; with one, for `duration` after each firing
//     (api::CronSchedule::lastFireAtOrBefore); inactive budgets do not limit;
//   - a budget allows `nodes` of the pool: a count as is, a percentage of the pool's node
//     count rounded up (intstr.GetScaledValueFromIntOrPercent with roundUp, as PDB
//     maxUnavailable: 5% of 10 nodes allows 1);
//   - the most restrictive applicable active budget wins; with none the count is unlimited;
//   - nodes already disrupting are subtracted (never below 0), for every reason alike.
// Expired and Interrupted are not subject to budgets: Karpenter v1 deletes an expired
// NodeClaim at once (its expiration controller) and handles interruption outside the
// disruption controller; its documentation says these forceful methods "blow past NodePool
// Disruption Budgets". They always get an unlimited allowance here.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "src/api/nodepool.h"
#include "src/common/clock.h"

namespace gantry::provisioner::disruption {

// Why a node is disrupted, spelled as Karpenter spells it in Events and metrics.
enum class DisruptionReason { kEmpty, kUnderutilized, kDrifted, kExpired, kInterrupted };
// "Empty", "Underutilized", "Drifted", "Expired", "Interrupted".
std::string_view disruptionReasonName(DisruptionReason reason);
std::optional<DisruptionReason> parseDisruptionReason(std::string_view text);  // exact spelling
// The budget reason a reason is limited under; nullopt for Expired and Interrupted, which no
// budget limits.
std::optional<api::BudgetReason> budgetReasonFor(DisruptionReason reason);

inline constexpr int64_t kUnlimited = std::numeric_limits<int64_t>::max();

struct BudgetAllowance {
  // How many more nodes may begin disruption now: >= 0, kUnlimited when no budget limits.
  int64_t allowed = kUnlimited;
  // What the limiting budget allows in all (before subtracting the nodes already
  // disrupting); kUnlimited when none limits.
  int64_t budgetAllows = kUnlimited;
  // Index into the budgets of the limiting one: the first of the most restrictive
  // applicable active budgets, or a malformed budget (below). nullopt when none limits.
  std::optional<size_t> limitingBudget;

  bool unlimited() const { return !limitingBudget.has_value(); }
};

// Whether `budget` is active at `now`: always without a schedule, else while its schedule
// fired within (now - duration, now]. A malformed budget (schedule without duration or the
// reverse, possible only when built in code) counts as active.
bool budgetActive(const api::DisruptionBudget& budget, Clock::TimePoint now);

// How many more of a pool's nodes may start being disrupted for `reason` at `now`.
// `poolNodes` is the pool's node count as Karpenter counts it: its managed nodes that are
// initialized and whose NodeClaim is not InstanceTerminating (a replacement not yet
// initialized does not count). `disrupting` is how many of those are disrupting now: not
// Ready, or marked for deletion (deletion timestamp set or chosen by a disruption in
// flight). Negative counts are read as 0.
// A budget whose nodes does not parse or whose schedule and duration are not set together
// (possible only for a pool built in code; the decoder refuses both) blocks every reason
// except Expired and Interrupted: allowed 0, limitingBudget its index. Karpenter fails
// closed the same way.
BudgetAllowance allowedDisruptions(std::span<const api::DisruptionBudget> budgets,
                                   DisruptionReason reason, Clock::TimePoint now,
                                   int64_t poolNodes, int64_t disrupting);

// "nodes=10%", or with the optional parts
// "nodes=0 schedule=\"0 9 * * 1-5\" duration=8h reasons=[Drifted,Underutilized]".
std::string describeBudget(const api::DisruptionBudget& budget);

// For an Event or a log line: "budget nodes=10% allows 0 more (1 of 10 nodes disrupting)",
// "budget nodes=0 schedule=... allows 0 more", or "no budget limits Drifted".
// REQUIRES: `allowance` came from allowedDisruptions(budgets, reason, ...) with these budgets.
std::string describeAllowance(const BudgetAllowance& allowance,
                              std::span<const api::DisruptionBudget> budgets,
                              DisruptionReason reason, int64_t poolNodes, int64_t disrupting);

}  // namespace gantry::provisioner::disruption
