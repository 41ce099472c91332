// gantry.dev/v1 NodePool, in Karpenter v1's field layout: the template new nodes are made
// from (labels, taints, startup taints, requirements), limits on total capacity, a weight
// that orders pools, and the disruption rules (consolidation policy, budgets). Only the
// fields the solver, provisioner and disruption controllers use are modelled.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "src/api/cron_schedule.h"
#include "src/api/labels.h"
#include "src/api/resources.h"
#include "src/api/taints.h"
#include "src/common/clock.h"
#include "src/common/status.h"

namespace gantry::api {

// spec.disruption.consolidationPolicy: which nodes consolidation may remove. (Karpenter later
// added an alpha "Balanced"; Gantry's CRD does not accept it.)
enum class ConsolidationPolicy { kWhenEmpty, kWhenEmptyOrUnderutilized };
std::string_view consolidationPolicyName(ConsolidationPolicy policy);  // "WhenEmpty", ...
// Exact spelling only; nullopt otherwise.
std::optional<ConsolidationPolicy> parseConsolidationPolicy(std::string_view text);

// The disruption reasons a budget may name (Karpenter v1's DisruptionReason enum). Expiration
// and interruption are not among them: they are not subject to budgets.
enum class BudgetReason { kUnderutilized, kEmpty, kDrifted };
std::string_view budgetReasonName(BudgetReason reason);  // "Underutilized", "Empty", "Drifted"
std::optional<BudgetReason> parseBudgetReason(std::string_view text);

// spec.disruption.budgets[].nodes, parsed: a count ("5") or a percentage of the pool ("10%").
struct BudgetNodes {
  int64_t value = 10;
  bool percent = true;
  friend bool operator==(const BudgetNodes&, const BudgetNodes&) = default;
};
// The CRD's pattern ^((100|[0-9]{1,2})%|[0-9]+)$, and a count of at most INT32_MAX (Karpenter
// reads it into an int32). kInvalid otherwise.
Result<BudgetNodes> parseBudgetNodes(std::string_view text);

// One entry of spec.disruption.budgets: at most `nodes` of the pool's nodes may be disrupting
// at once, while the budget is active. Without schedule and duration it is always active;
// with them, for `duration` after each time the schedule fires. The decoder guarantees nodes
// parses and schedule and duration come together; a budget built in code that breaks either
// blocks all disruption of its pool (provisioner/disruption/budgets.h).
struct DisruptionBudget {
  std::string nodes = "10%";
  std::optional<CronSchedule> schedule;  // UTC
  std::optional<Clock::Duration> duration;
  // nullopt: applies to every reason. A list (even an empty one, as Karpenter reads
  // `reasons: []`) applies to the reasons listed only.
  std::optional<std::vector<BudgetReason>> reasons;
  friend bool operator==(const DisruptionBudget&, const DisruptionBudget&) = default;
};

struct NodePool {
  std::string name;
  int64_t generation = 0;  // metadata.generation: changes with the spec, not the status
  // metadata.annotations under the gantry.dev and karpenter.sh domains (and their
  // subdomains); others, such as kubectl's last-applied-configuration, are not kept.
  Labels annotations;
  int32_t weight = 0;  // higher is tried first
  Labels labels;        // spec.template.metadata.labels
  std::vector<Taint> taints;
  std::vector<Taint> startupTaints;  // removed by a daemon after start; pods need not tolerate
  // spec.template.spec.requirements, with Karpenter's minValues checked but not kept. The
  // decoder appends gantry.dev/capacity-type In [on-demand] when none names a capacity type
  // (Karpenter's default), so a decoded pool never plans spot unless it says so.
  std::vector<Requirement> requirements;
  std::string nodeClassRef;  // EC2NodeClass name
  // spec.limits; a missing name is unlimited.
  ResourceList limits;
  std::string expireAfter;      // "720h" or "Never"
  // spec.template.spec.terminationGracePeriod ("" when unset): how long a drain may wait.
  std::string terminationGracePeriod;
  // spec.disruption. consolidateAfter is kept as written ("30s", "Never"); the decoder has
  // checked it parses (see consolidateAfterDuration()).
  std::string consolidateAfter;
  ConsolidationPolicy consolidationPolicy = ConsolidationPolicy::kWhenEmptyOrUnderutilized;
  // Karpenter's default when the block or the list is absent: one budget of 10%. An explicit
  // empty list stays empty: no budget, so no limit.
  std::vector<DisruptionBudget> budgets = {DisruptionBudget{}};
  // status.resources as last written by the usage controller (provisioner/nodepool): the
  // capacity of the pool's NodeClaims plus "nodes". Empty when unset or malformed.
  ResourceList statusResources;

  // consolidateAfter parsed: nullopt for "Never", and also (failing safe: never consolidate)
  // for a malformed value, which only a pool built in code can have.
  std::optional<Clock::Duration> consolidateAfterDuration() const;

  // The embedded default: linux, amd64, on-demand, all current-generation types.
  static NodePool defaultPool();
  // Every field, status.resources included.
  friend bool operator==(const NodePool&, const NodePool&) = default;
};

}  // namespace gantry::api
