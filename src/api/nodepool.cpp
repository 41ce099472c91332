// The NodePool used when the user gives none (what most clusters start with), and the
// disruption fields' names and parsers.
#include "src/api/nodepool.h"

#include <limits>

#include "src/api/nodeclaim.h"
#include "src/api/well_known_labels.h"

namespace gantry::api {

std::string_view consolidationPolicyName(ConsolidationPolicy policy) {
  switch (policy) {
    case ConsolidationPolicy::kWhenEmpty: return "WhenEmpty";
    case ConsolidationPolicy::kWhenEmptyOrUnderutilized: return "WhenEmptyOrUnderutilized";
  }
  return "?";
}

std::optional<ConsolidationPolicy> parseConsolidationPolicy(std::string_view text) {
  if (text == "WhenEmpty") return ConsolidationPolicy::kWhenEmpty;
  if (text == "WhenEmptyOrUnderutilized") return ConsolidationPolicy::kWhenEmptyOrUnderutilized;
  return std::nullopt;
}

std::string_view budgetReasonName(BudgetReason reason) {
  switch (reason) {
    case BudgetReason::kUnderutilized: return "Underutilized";
    case BudgetReason::kEmpty: return "Empty";
    case BudgetReason::kDrifted: return "Drifted";
  }
  return "?";
}

std::optional<BudgetReason> parseBudgetReason(std::string_view text) {
  for (auto r : {BudgetReason::kUnderutilized, BudgetReason::kEmpty, BudgetReason::kDrifted}) {
    if (text == budgetReasonName(r)) return r;
  }
  return std::nullopt;
}

Result<BudgetNodes> parseBudgetNodes(std::string_view text) {
  auto bad = [&](std::string_view why) {
    return fail(Status::invalid("nodes \"" + std::string(text.substr(0, 64)) + "\" " +
                                std::string(why)));
  };
  const bool percent = text.ends_with('%');
  std::string_view digits = percent ? text.substr(0, text.size() - 1) : text;
  if (digits.empty()) return bad("is not a count (\"5\") or a percentage (\"10%\")");
  int64_t n = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return bad("is not a count (\"5\") or a percentage (\"10%\")");
    n = n * 10 + (c - '0');
    if (n > std::numeric_limits<int32_t>::max()) return bad("is too large");
  }
  // The CRD allows one or two digits, or exactly "100".
  if (percent && !(digits.size() <= 2 || digits == "100")) {
    return bad("is not a percentage from 0% to 100%");
  }
  return BudgetNodes{n, percent};
}

std::optional<Clock::Duration> NodePool::consolidateAfterDuration() const {
  auto d = parseNodeDuration(consolidateAfter);
  return d ? *d : std::nullopt;
}

NodePool NodePool::defaultPool() {
  NodePool pool;
  pool.name = "default";
  pool.requirements = {
      Requirement{std::string(label::kOs), SelectorOp::kIn, {"linux"}},
      Requirement{std::string(label::kArch), SelectorOp::kIn, {"amd64"}},
      Requirement{std::string(label::kCapacityType), SelectorOp::kIn, {"on-demand"}},
      Requirement{std::string(label::kInstanceCurrentGeneration), SelectorOp::kIn, {"true"}},
  };
  pool.consolidateAfter = "30s";
  pool.expireAfter = "720h";
  return pool;
}

}  // namespace gantry::api
