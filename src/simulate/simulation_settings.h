// The one optional `kind: Simulation` document of a trace (apiVersion simulate.gantry.dev/v1):
// how long to run, the seed, and how the simulated cloud and nodes behave.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "src/api/instance_type.h"
#include "src/simulate/trace.h"
#include "src/workload/workload.h"

namespace gantry::simulate {

inline constexpr std::string_view kSimulationApiVersion = "simulate.gantry.dev/v1";
inline constexpr std::string_view kSimulationKind = "Simulation";

// The instance types of a region, for checking capacityErrors (the bundled catalog in the
// binary; a fixed list in tests). kInvalid for a region it does not know, with a message
// that lists the known ones.
using CatalogLookup = std::function<Result<api::InstanceTypesPtr>(std::string_view region)>;

// Decodes `object` (a Simulation) into `out`, appending one error per bad field to `errors`,
// each naming `source`, `objectName` and the field ("spec.capacityErrors[1].until"). A bad
// field keeps its default. Unknown keys under spec are errors (a typo would otherwise change
// the simulation silently). Returns true when no error was added.
bool decodeSimulation(const nlohmann::json& object, const std::string& source,
                      const std::string& objectName, const CatalogLookup& catalog,
                      SimulationSettings& out, std::vector<workload::ManifestError>& errors);

}  // namespace gantry::simulate
