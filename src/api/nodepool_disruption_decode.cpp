// Decoding a NodePool's spec.disruption block (consolidateAfter, consolidationPolicy,
// budgets), validated as deploy/crds/gantry.dev_nodepools.yaml validates it, so a pool that
// reaches Gantry without the apiserver (the plan command's files) is held to the same rules.
#include <algorithm>

#include <nlohmann/json.hpp>

#include "src/api/decode_internal.h"
#include "src/api/nodeclaim.h"

namespace gantry::api::detail {
namespace {

// The CRD's pattern for a budget's duration, ^((([0-9]+(h|m))|([0-9]+h[0-9]+m))(0s)?)$: hours
// or minutes or both, with the "0s" Go's Duration.String() appends allowed at the end.
bool isBudgetDuration(std::string_view text) {
  if (text.ends_with("0s")) text.remove_suffix(2);
  auto digits = [&](size_t& i) {
    size_t start = i;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i;
    return i > start;
  };
  size_t i = 0;
  if (!digits(i) || i == text.size()) return false;
  if (text[i] == 'm') return i + 1 == text.size();
  if (text[i] != 'h') return false;
  if (++i == text.size()) return true;
  return digits(i) && i + 1 == text.size() && text[i] == 'm';
}

DecodeResult<DisruptionBudget> decodeBudget(const json& item, const std::string& path) {
  if (auto e = expectObject(item, path)) return std::unexpected(*e);
  DisruptionBudget budget;
  // The CRD defaults nodes to 10% before checking it is present, so a missing one is 10%.
  auto nodes = stringField(item, path, "nodes", budget.nodes);
  if (!nodes) return std::unexpected(nodes.error());
  if (auto n = parseBudgetNodes(*nodes); !n) {
    return fieldError(join(path, "nodes"), n.error().message());
  }
  budget.nodes = *nodes;

  auto schedule = stringField(item, path, "schedule");
  if (!schedule) return std::unexpected(schedule.error());
  const bool hasSchedule = child(item, "schedule") != nullptr;
  if (hasSchedule) {
    if (schedule->size() > 128) {
      return fieldError(join(path, "schedule"), "is longer than 128 characters");
    }
    auto cron = CronSchedule::parse(*schedule);
    if (!cron) return fieldError(join(path, "schedule"), cron.error().message());
    budget.schedule = std::move(*cron);
  }
  auto duration = stringField(item, path, "duration");
  if (!duration) return std::unexpected(duration.error());
  const bool hasDuration = child(item, "duration") != nullptr;
  if (hasDuration) {
    auto d = parseNodeDuration(*duration);
    if (!isBudgetDuration(*duration) || !d || !*d) {
      return fieldError(join(path, "duration"),
                        "duration \"" + duration->substr(0, 64) +
                            "\" is not hours and/or minutes (want e.g. 8h, 30m, 1h30m)" +
                            (d ? std::string() : ": " + d.error().message()));
    }
    budget.duration = **d;
  }
  if (hasSchedule != hasDuration) {
    return fieldError(path, "'schedule' must be set with 'duration'");
  }

  if (const json* reasons = child(item, "reasons")) {
    const std::string rp = join(path, "reasons");
    if (auto e = expectArray(*reasons, rp)) return std::unexpected(*e);
    std::vector<BudgetReason> list;
    for (size_t i = 0; i < reasons->size(); ++i) {
      const json& r = (*reasons)[i];
      auto reason = r.is_string() ? parseBudgetReason(r.get<std::string>()) : std::nullopt;
      if (!reason) {
        return fieldError(index(rp, i), "unknown reason " + describe(r) +
                                            " (want Underutilized, Empty or Drifted)");
      }
      if (std::ranges::find(list, *reason) != list.end()) {
        return fieldError(index(rp, i), "duplicate reason " + describe(r));
      }
      list.push_back(*reason);
    }
    budget.reasons = std::move(list);
  }
  return budget;
}

}  // namespace

std::optional<FieldError> decodeDisruption(const json& disruption, NodePool& pool) {
  const std::string path = "spec.disruption";
  if (auto e = expectObject(disruption, path)) return e;
  auto after = stringField(disruption, path, "consolidateAfter", "0s");
  if (!after) return after.error();
  if (auto d = parseNodeDuration(*after); !d) {
    return FieldError{join(path, "consolidateAfter"), d.error().message()};
  }
  pool.consolidateAfter = *after;

  auto policy = stringField(disruption, path, "consolidationPolicy", "WhenEmptyOrUnderutilized");
  if (!policy) return policy.error();
  auto parsed = parseConsolidationPolicy(*policy);
  if (!parsed) {
    return FieldError{join(path, "consolidationPolicy"),
                      "unknown policy \"" + policy->substr(0, 64) +
                          "\" (want WhenEmpty or WhenEmptyOrUnderutilized)"};
  }
  pool.consolidationPolicy = *parsed;

  if (const json* budgets = child(disruption, "budgets")) {
    const std::string bp = join(path, "budgets");
    if (auto e = expectArray(*budgets, bp)) return e;
    if (budgets->size() > 50) {
      return FieldError{bp, "at most 50 budgets are allowed, got " +
                                std::to_string(budgets->size())};
    }
    pool.budgets.clear();
    for (size_t i = 0; i < budgets->size(); ++i) {
      auto b = decodeBudget((*budgets)[i], index(bp, i));
      if (!b) return b.error();
      pool.budgets.push_back(std::move(*b));
    }
  }
  return std::nullopt;
}

}  // namespace gantry::api::detail
