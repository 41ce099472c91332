// The budget arithmetic of budgets.h: which budgets apply and are active, what each allows of
// the pool, the minimum, and the nodes already disrupting taken off it.
#include "provisioner/disruption/budgets.h"

#include <algorithm>
#include <chrono>

namespace gantry::provisioner::disruption {
namespace {

constexpr DisruptionReason kAllReasons[] = {
    DisruptionReason::kEmpty, DisruptionReason::kUnderutilized, DisruptionReason::kDrifted,
    DisruptionReason::kExpired, DisruptionReason::kInterrupted};

bool malformed(const api::DisruptionBudget& budget) {
  return budget.schedule.has_value() != budget.duration.has_value() ||
         !api::parseBudgetNodes(budget.nodes);
}

bool appliesTo(const api::DisruptionBudget& budget, api::BudgetReason reason) {
  return !budget.reasons || std::ranges::find(*budget.reasons, reason) != budget.reasons->end();
}

// What the budget allows out of `poolNodes`: a count as is, a percentage rounded up.
// REQUIRES: nodes parses.
int64_t scaled(const api::DisruptionBudget& budget, int64_t poolNodes) {
  api::BudgetNodes n = *api::parseBudgetNodes(budget.nodes);
  if (!n.percent) return n.value;
  // ceil(value * poolNodes / 100), exact in integers: value <= 100, and the node count is
  // bounded far below where the product could overflow.
  poolNodes = std::min<int64_t>(poolNodes, int64_t{1} << 48);
  return (n.value * poolNodes + 99) / 100;
}

// "8h", "1h30m", "45m", "0s": hours and minutes, the only units a budget duration takes.
std::string formatDuration(Clock::Duration d) {
  auto total = std::chrono::duration_cast<std::chrono::minutes>(d).count();
  if (total <= 0) return "0s";
  std::string out;
  if (total >= 60) out += std::to_string(total / 60) + "h";
  if (total % 60 != 0) out += std::to_string(total % 60) + "m";
  return out;
}

}  // namespace

std::string_view disruptionReasonName(DisruptionReason reason) {
  switch (reason) {
    case DisruptionReason::kEmpty: return "Empty";
    case DisruptionReason::kUnderutilized: return "Underutilized";
    case DisruptionReason::kDrifted: return "Drifted";
    case DisruptionReason::kExpired: return "Expired";
    case DisruptionReason::kInterrupted: return "Interrupted";
  }
  return "?";
}

std::optional<DisruptionReason> parseDisruptionReason(std::string_view text) {
  for (DisruptionReason r : kAllReasons) {
    if (text == disruptionReasonName(r)) return r;
  }
  return std::nullopt;
}

std::optional<api::BudgetReason> budgetReasonFor(DisruptionReason reason) {
  switch (reason) {
    case DisruptionReason::kEmpty: return api::BudgetReason::kEmpty;
    case DisruptionReason::kUnderutilized: return api::BudgetReason::kUnderutilized;
    case DisruptionReason::kDrifted: return api::BudgetReason::kDrifted;
    case DisruptionReason::kExpired:
    case DisruptionReason::kInterrupted: return std::nullopt;
  }
  return std::nullopt;
}

bool budgetActive(const api::DisruptionBudget& budget, Clock::TimePoint now) {
  if (!budget.schedule || !budget.duration) return true;
  return budget.schedule->lastFireAtOrBefore(now, *budget.duration).has_value();
}

BudgetAllowance allowedDisruptions(std::span<const api::DisruptionBudget> budgets,
                                   DisruptionReason reason, Clock::TimePoint now,
                                   int64_t poolNodes, int64_t disrupting) {
  BudgetAllowance out;
  auto limitedAs = budgetReasonFor(reason);
  if (!limitedAs) return out;  // forceful: no budget applies
  poolNodes = std::max<int64_t>(poolNodes, 0);
  disrupting = std::max<int64_t>(disrupting, 0);
  for (size_t i = 0; i < budgets.size(); ++i) {
    const api::DisruptionBudget& budget = budgets[i];
    if (malformed(budget)) {
      // Fail closed, whatever reasons the budget names (Karpenter: any budget error makes
      // MustGetAllowedDisruptions return 0).
      out.allowed = 0;
      out.budgetAllows = 0;
      out.limitingBudget = i;
      return out;
    }
  }
  for (size_t i = 0; i < budgets.size(); ++i) {
    const api::DisruptionBudget& budget = budgets[i];
    if (!appliesTo(budget, *limitedAs) || !budgetActive(budget, now)) continue;
    int64_t allows = scaled(budget, poolNodes);
    if (allows < out.budgetAllows) {
      out.budgetAllows = allows;
      out.limitingBudget = i;
    }
  }
  if (out.limitingBudget) out.allowed = std::max<int64_t>(out.budgetAllows - disrupting, 0);
  return out;
}

std::string describeBudget(const api::DisruptionBudget& budget) {
  std::string out = "nodes=" + budget.nodes;
  if (budget.schedule) out += " schedule=\"" + budget.schedule->text() + "\"";
  if (budget.duration) out += " duration=" + formatDuration(*budget.duration);
  if (budget.reasons) {
    out += " reasons=[";
    for (size_t i = 0; i < budget.reasons->size(); ++i) {
      if (i > 0) out += ",";
      out += api::budgetReasonName((*budget.reasons)[i]);
    }
    out += "]";
  }
  return out;
}

std::string describeAllowance(const BudgetAllowance& allowance,
                              std::span<const api::DisruptionBudget> budgets,
                              DisruptionReason reason, int64_t poolNodes, int64_t disrupting) {
  if (!allowance.limitingBudget || *allowance.limitingBudget >= budgets.size()) {
    return "no budget limits " + std::string(disruptionReasonName(reason));
  }
  std::string out = "budget " + describeBudget(budgets[*allowance.limitingBudget]) + " allows " +
                    std::to_string(allowance.allowed) + " more";
  if (disrupting > 0) {
    out += " (" + std::to_string(disrupting) + " of " + std::to_string(poolNodes) +
           " nodes disrupting)";
  }
  return out;
}

}  // namespace gantry::provisioner::disruption
