// Small object builders the benchmarks' clusters share. Benchmarks only.
#pragma once

#include <string>
#include <string_view>

#include "src/api/condition.h"
#include "src/api/quantity.h"
#include "src/common/clock.h"

namespace gantry::bench {

// A quantity the benchmark writes itself ("31", "120Gi"): always valid.
inline api::Quantity q(const std::string& text) { return *api::Quantity::parse(text); }

// A True condition of `type` since `since`.
inline api::Condition trueCondition(std::string_view type, Clock::TimePoint since) {
  api::Condition c;
  c.type = std::string(type);
  c.status = api::ConditionStatus::kTrue;
  c.lastTransitionTime = since;
  return c;
}

}  // namespace gantry::bench
