// What `gantry catalog` shows of an instance catalog: the filter (GPU only, a requirements
// expression over the labels each offering's node would carry) and the two renderings (a
// table for people, a JSON array with stable keys for scripts). Kept apart from the flag and
// AWS wiring in catalog_command.cpp.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "src/api/instance_type.h"
#include "src/api/labels.h"

namespace gantry::cmd {

// One listed instance type, reduced to what the command prints.
struct CatalogRow {
  const api::InstanceType* type = nullptr;  // non-owning; the catalog outlives the rows
  std::vector<std::string> zones{};         // sorted, of the offerings that passed the filter
  std::optional<double> onDemandPrice{};    // cheapest passing offering of each kind
  bool onDemandEstimated = false;
  std::optional<double> spotPrice{};
  bool spotEstimated = false;
};

struct CatalogFilter {
  bool gpuOnly = false;  // types with a GPU (including fractional ones, whose count is 0)
  std::optional<api::NodeSelectorTerm> requirements{};
};

// The types with at least one offering whose labels (InstanceType::labelsFor) match the
// requirements, with only those offerings counted, in catalog order.
std::vector<CatalogRow> selectCatalogRows(const api::InstanceTypes& types,
                                          const CatalogFilter& filter);

// [{"name", "vcpus", "memory_mib", "gpu": {"count", "name", "manufacturer", "memory_mib"} | null,
//   "zones": [...], "on_demand_price": number | null, "spot_price": number | null,
//   "architecture"}]
nlohmann::json catalogToJson(const std::vector<CatalogRow>& rows);

// Aligned columns NAME VCPU MEMORY GPU ZONES ON-DEMAND SPOT; estimated prices start with '~'.
std::string catalogToTable(const std::vector<CatalogRow>& rows);

// One value of a label key over the listed types: what a requirement must write (values are
// case-sensitive) and how many of the types carry it on some listed offering.
struct LabelValueCount {
  std::string value;
  size_t instanceTypes = 0;
};

// The distinct values of `key` on the labels each listed offering's node would carry
// (InstanceType::labelsFor), sorted by value; empty when no listed type carries the key.
std::vector<LabelValueCount> labelValues(const std::vector<CatalogRow>& rows, std::string_view key);

// {"key": key, "values": [{"value", "instance_types"}]}
nlohmann::json labelValuesToJson(std::string_view key, const std::vector<LabelValueCount>& values);

// Columns VALUE INSTANCE-TYPES, then a line saying values are written as shown.
std::string labelValuesToTable(std::string_view key, const std::vector<LabelValueCount>& values);

}  // namespace gantry::cmd
