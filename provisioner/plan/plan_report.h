// How a plan is shown: `-o json` prints exactly one JSON object in the documented shape
// (nodeclaims, unschedulable, errors, total_price_per_hour, plus existing placements and
// the lower bound); `-o table` is for people.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "provisioner/plan/plan_host.h"

namespace gantry::provisioner {

nlohmann::json planToJson(const PlanReport& report);
std::string planToTable(const PlanReport& report);

}  // namespace gantry::provisioner
