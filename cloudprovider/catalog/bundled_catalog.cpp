// Loads the generated catalog rows (bundled_catalog_data.cpp) into InstanceType values for one
// region. The rows are constexpr data, so this is the only work `gantry plan` pays for the
// catalog: one pass over ~1,300 rows, no parsing.
#include "cloudprovider/catalog/bundled_catalog.h"

#include <bit>
#include <memory>
#include <utility>

#include "cloudprovider/catalog/catalog_data.h"

namespace gantry::cloudprovider {
namespace {

using api::AcceleratorSpec;
using api::CapacityType;
using api::GpuSpec;
using api::InstanceType;
using api::Offering;

constexpr std::string_view kPriceRegion = "us-east-1";  // where the bundled prices are exact

const catalog::RegionRow* findRegion(std::string_view region, size_t& index) {
  const auto regions = catalog::catalogRegions();
  for (size_t i = 0; i < regions.size(); ++i) {
    if (regions[i].name == region) {
      index = i;
      return &regions[i];
    }
  }
  return nullptr;
}

std::string knownRegionList() {
  std::string out;
  for (const auto& region : catalog::catalogRegions()) {
    if (!out.empty()) out += ", ";
    out += region.name;
  }
  return out;
}

InstanceType hardwareOf(const catalog::CatalogRow& row) {
  InstanceType type;
  type.name = std::string(row.name);
  type.architecture = (row.flags & catalog::kArm64) != 0 ? "arm64" : "amd64";
  type.vcpus = row.vcpus;
  type.memoryMiB = row.memoryMiB;
  type.currentGeneration = (row.flags & catalog::kCurrent) != 0;
  type.bareMetal = (row.flags & catalog::kMetal) != 0;
  type.burstable = (row.flags & catalog::kBurstable) != 0;
  type.hypervisor = std::string(row.hypervisor);
  type.maxPods = row.maxPods;
  if (!row.gpu.manufacturer.empty()) {
    type.gpu = GpuSpec{std::string(row.gpu.manufacturer), std::string(row.gpu.name),
                       row.gpu.count, row.gpu.memoryMiB, row.gpu.partitionPerMille};
  }
  if (!row.accelerator.manufacturer.empty()) {
    type.accelerator =
        AcceleratorSpec{std::string(row.accelerator.manufacturer),
                        std::string(row.accelerator.name), row.accelerator.count,
                        row.accelerator.memoryMiB};
  }
  return type;
}

std::vector<Offering> offeringsOf(const catalog::CatalogRow& row, const catalog::RegionRow& region,
                                  uint16_t zoneMask, bool inPriceRegion,
                                  const CatalogOptions& options) {
  const double onDemandPrice = static_cast<double>(row.priceMicros) / 1e6;
  std::vector<Offering> offerings;
  offerings.reserve(2 * static_cast<size_t>(std::popcount(zoneMask)));
  for (size_t zone = 0; zone < region.zoneCount; ++zone) {
    if ((zoneMask & (1u << zone)) == 0) continue;
    if ((row.flags & catalog::kOnDemand) != 0) {
      offerings.push_back(Offering{.zone = std::string(region.zones[zone]),
                                   .capacityType = CapacityType::kOnDemand,
                                   .pricePerHour = onDemandPrice,
                                   .available = true,
                                   .priceEstimated = !inPriceRegion});
    }
    if ((row.flags & catalog::kSpot) != 0) {
      offerings.push_back(Offering{.zone = std::string(region.zones[zone]),
                                   .capacityType = CapacityType::kSpot,
                                   .pricePerHour = onDemandPrice * options.spotPriceFraction,
                                   .available = true,
                                   .priceEstimated = true});
    }
  }
  return offerings;
}

}  // namespace

std::vector<std::string> bundledRegions() {
  std::vector<std::string> out;
  for (const auto& region : catalog::catalogRegions()) out.emplace_back(region.name);
  return out;
}

Result<api::InstanceTypesPtr> bundledInstanceTypes(std::string_view region,
                                              const CatalogOptions& options) {
  size_t regionIndex = 0;
  const catalog::RegionRow* regionRow = findRegion(region, regionIndex);
  if (regionRow == nullptr) {
    return fail(Status::invalid("no bundled instance catalog for region \"" +
                                std::string(region) + "\"; known regions: " + knownRegionList()));
  }
  if (Status status = validateCatalogOptions(options); !status.isOk()) return fail(status);

  const bool inPriceRegion = region == kPriceRegion;
  auto types = std::make_shared<api::InstanceTypes>();
  types->reserve(catalog::catalogRows().size());
  // Rows are generated sorted by name, so the output is too.
  for (const catalog::CatalogRow& row : catalog::catalogRows()) {
    const uint16_t zoneMask = row.zoneMasks[regionIndex];
    if (zoneMask == 0) continue;  // not sold in this region
    std::vector<Offering> offerings =
        offeringsOf(row, *regionRow, zoneMask, inPriceRegion, options);
    if (offerings.empty()) continue;  // neither on-demand nor spot: nothing we can launch
    InstanceType type = hardwareOf(row);
    resolveInstanceType(type, row.accelerator.neuronCoresPerDevice, options);
    type.offerings = std::move(offerings);
    types->push_back(std::move(type));
  }
  return api::InstanceTypesPtr(std::move(types));
}

}  // namespace gantry::cloudprovider
