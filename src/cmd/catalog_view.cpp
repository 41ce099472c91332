// Filtering and rendering for `gantry catalog`; see catalog_view.h. Requirements are matched
// per offering, not per type, so a zone or capacity-type requirement narrows the zones and
// prices shown instead of only keeping or dropping whole types.
#include "src/cmd/catalog_view.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>

namespace gantry::cmd {
namespace {

std::string price(std::optional<double> value, bool estimated) {
  if (!value) return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%s%.4f", estimated ? "~" : "", *value);
  return buf;
}

// "1x T4 16384MiB"; a fractional-GPU type (g6f) shows its share of one device, "1/8 L4 2861MiB",
// because its whole-device count is 0.
std::string gpuText(const api::InstanceType& type) {
  if (!type.gpu) return "-";
  const api::GpuSpec& gpu = *type.gpu;
  std::string amount = std::to_string(gpu.count) + "x";
  if (gpu.count == 0 && gpu.partitionPerMille > 0 && gpu.partitionPerMille < 1000) {
    if (1000 % gpu.partitionPerMille == 0) {
      amount = "1/" + std::to_string(1000 / gpu.partitionPerMille);
    } else {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%gx", gpu.partitionPerMille / 1000.0);
      amount = buf;
    }
  }
  return amount + " " + gpu.name + " " + std::to_string(gpu.memoryMiB) + "MiB";
}

std::string memoryText(int64_t mib) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1fGiB", static_cast<double>(mib) / 1024.0);
  return buf;
}

std::string zonesText(const std::vector<std::string>& zones) {
  std::string out;
  for (const std::string& zone : zones) {
    if (!out.empty()) out += ",";
    out += zone;
  }
  return out;
}

}  // namespace

std::vector<CatalogRow> selectCatalogRows(const api::InstanceTypes& types,
                                          const CatalogFilter& filter) {
  std::vector<CatalogRow> rows;
  for (const api::InstanceType& type : types) {
    if (filter.gpuOnly && !type.gpu) continue;
    CatalogRow row{.type = &type};
    std::set<std::string> zones;
    bool any = false;
    for (const api::Offering& offering : type.offerings) {
      if (filter.requirements && !filter.requirements->matches(type.labelsFor(offering))) continue;
      any = true;
      zones.insert(offering.zone);
      const bool spot = offering.capacityType == api::CapacityType::kSpot;
      std::optional<double>& best = spot ? row.spotPrice : row.onDemandPrice;
      bool& estimated = spot ? row.spotEstimated : row.onDemandEstimated;
      if (!best || offering.pricePerHour < *best) {
        best = offering.pricePerHour;
        estimated = offering.priceEstimated;
      }
    }
    if (!any) continue;
    row.zones.assign(zones.begin(), zones.end());
    rows.push_back(std::move(row));
  }
  return rows;
}

nlohmann::json catalogToJson(const std::vector<CatalogRow>& rows) {
  nlohmann::json out = nlohmann::json::array();
  for (const CatalogRow& row : rows) {
    const api::InstanceType& type = *row.type;
    nlohmann::json gpu = nullptr;
    if (type.gpu) {
      gpu = {{"count", type.gpu->count},
             {"name", type.gpu->name},
             {"manufacturer", type.gpu->manufacturer},
             {"memory_mib", type.gpu->memoryMiB}};
      // Only fractional-GPU types (g6f) carry it, so whole-GPU rows keep their shape.
      if (type.gpu->partitionPerMille < 1000) gpu["fraction"] = type.gpu->partitionPerMille / 1000.0;
    }
    out.push_back(
        {{"name", type.name},
         {"vcpus", type.vcpus},
         {"memory_mib", type.memoryMiB},
         {"gpu", std::move(gpu)},
         {"zones", row.zones},
         {"on_demand_price",
          row.onDemandPrice ? nlohmann::json(*row.onDemandPrice) : nlohmann::json(nullptr)},
         {"spot_price", row.spotPrice ? nlohmann::json(*row.spotPrice) : nlohmann::json(nullptr)},
         {"architecture", type.architecture}});
  }
  return out;
}

std::vector<LabelValueCount> labelValues(const std::vector<CatalogRow>& rows, std::string_view key) {
  std::map<std::string, size_t, std::less<>> counts;
  for (const CatalogRow& row : rows) {
    // Zone and capacity type differ per offering: count each value once per type.
    std::set<std::string, std::less<>> seen;
    for (const api::Offering& offering : row.type->offerings) {
      if (!std::ranges::binary_search(row.zones, offering.zone)) continue;
      const api::Labels labels = row.type->labelsFor(offering);
      if (auto it = labels.find(key); it != labels.end()) seen.insert(it->second);
    }
    for (const std::string& value : seen) ++counts[value];
  }
  std::vector<LabelValueCount> out;
  for (const auto& [value, n] : counts) out.push_back({value, n});
  return out;
}

nlohmann::json labelValuesToJson(std::string_view key, const std::vector<LabelValueCount>& values) {
  nlohmann::json list = nlohmann::json::array();
  for (const LabelValueCount& v : values) {
    list.push_back({{"value", v.value}, {"instance_types", v.instanceTypes}});
  }
  return {{"key", std::string(key)}, {"values", std::move(list)}};
}

std::string labelValuesToTable(std::string_view key, const std::vector<LabelValueCount>& values) {
  size_t width = std::string_view("VALUE").size();
  for (const LabelValueCount& v : values) width = std::max(width, v.value.size());
  std::string out = "VALUE" + std::string(width - 3, ' ') + "INSTANCE-TYPES\n";
  for (const LabelValueCount& v : values) {
    out += v.value + std::string(width - v.value.size() + 2, ' ') +
           std::to_string(v.instanceTypes) + "\n";
  }
  out += std::to_string(values.size()) + " values of " + std::string(key) +
         "; requirements must write them exactly as shown (values are case-sensitive)\n";
  return out;
}

std::string catalogToTable(const std::vector<CatalogRow>& rows) {
  std::vector<std::vector<std::string>> cells = {
      {"NAME", "ARCH", "VCPU", "MEMORY", "GPU", "ZONES", "ON-DEMAND", "SPOT"}};
  for (const CatalogRow& row : rows) {
    const api::InstanceType& type = *row.type;
    cells.push_back({type.name, type.architecture, std::to_string(type.vcpus),
                     memoryText(type.memoryMiB), gpuText(type), zonesText(row.zones),
                     price(row.onDemandPrice, row.onDemandEstimated),
                     price(row.spotPrice, row.spotEstimated)});
  }
  std::vector<size_t> widths(cells.front().size(), 0);
  for (const auto& line : cells) {
    for (size_t i = 0; i < line.size(); ++i) widths[i] = std::max(widths[i], line[i].size());
  }
  std::string out;
  for (const auto& line : cells) {
    std::string text;
    for (size_t i = 0; i < line.size(); ++i) {
      text += line[i];
      if (i + 1 < line.size()) text += std::string(widths[i] - line[i].size() + 2, ' ');
    }
    out += text + "\n";
  }
  out += std::to_string(rows.size()) + " instance types; prices in USD per hour, ~ estimated\n";
  return out;
}

}  // namespace gantry::cmd
