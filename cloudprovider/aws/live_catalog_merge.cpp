// The merge rules of live_catalog_merge.h. EC2 is the authority on what exists in a region and
// on hardware; the bundle only fills gaps, because a field EC2 omits (an old API version, a
// new type without GPU names yet) must not turn a GPU node into an anonymous one.
#include "cloudprovider/aws/live_catalog_merge.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <utility>

namespace gantry::cloudprovider::aws {
namespace {

using api::CapacityType;
using api::InstanceType;
using api::Offering;

constexpr int32_t kDefaultMaxPods = 110;  // kubelet default when no ENI figure is known

bool has(const std::vector<std::string>& values, std::string_view value) {
  return std::find(values.begin(), values.end(), value) != values.end();
}

// EC2's processor architectures in Kubernetes spelling; empty when Gantry cannot run it.
std::string architectureOf(const InstanceTypeInfo& info) {
  if (has(info.supportedArchitectures, "x86_64")) return "amd64";
  if (has(info.supportedArchitectures, "arm64")) return "arm64";
  return "";
}

// Whole GPUs of the first model (EC2 never mixes models in one type); count summed as the
// bundle does, so fractional GPUs (g6f) report 0.
std::optional<api::GpuSpec> gpuOf(const InstanceTypeInfo& info) {
  if (info.gpus.empty()) return std::nullopt;
  api::GpuSpec gpu{info.gpus.front().manufacturer, info.gpus.front().name, 0,
                   info.gpus.front().memoryMiB};
  for (const GpuDevice& device : info.gpus) gpu.count += device.count;
  // As the bundle: the share in thousandths, whole devices (and nonsense) as 1000.
  const double share = info.gpus.front().partitionSize;
  if (gpu.count == 0 && share > 0 && share < 1) {
    gpu.partitionPerMille = static_cast<int32_t>(std::lround(share * 1000));
  }
  return gpu;
}

// Neuron devices first (they carry NeuronCores), then other inference accelerators.
std::optional<api::AcceleratorSpec> acceleratorOf(const InstanceTypeInfo& info,
                                                  int32_t& coresPerDevice) {
  coresPerDevice = 0;
  if (info.accelerators.empty()) return std::nullopt;
  const AcceleratorDevice* chosen = &info.accelerators.front();
  for (const AcceleratorDevice& device : info.accelerators) {
    if (device.coreCount > 0) {
      chosen = &device;
      break;
    }
  }
  coresPerDevice = chosen->coreCount;
  return api::AcceleratorSpec{chosen->manufacturer, chosen->name, chosen->count, chosen->memoryMiB};
}

// Neuron cores per device of a bundled type, recovered from its capacity (the bundle keeps the
// figure only there): neuroncore / neuron.
int32_t bundledCoresPerDevice(const InstanceType& type) {
  auto devices = type.capacity.get(api::resource::kNeuron);
  auto cores = type.capacity.get(api::resource::kNeuronCore);
  if (devices.isZero() || cores.isZero()) return 0;
  return static_cast<int32_t>(cores.value() / devices.value());
}

template <typename Spec>
void fillGaps(std::optional<Spec>& live, const std::optional<Spec>& bundled) {
  if (!bundled) return;
  if (!live) {
    live = bundled;
    return;
  }
  if (live->name.empty()) live->name = bundled->name;
  if (live->manufacturer.empty()) live->manufacturer = bundled->manufacturer;
  if (live->memoryMiB == 0) live->memoryMiB = bundled->memoryMiB;
}

// The hardware of one type: EC2's facts, the bundle's where EC2 is silent. nullopt when the
// architecture is neither amd64 nor arm64 (or unknown everywhere).
std::optional<InstanceType> hardwareOf(const InstanceTypeInfo& info, const InstanceType* bundled,
                                       int32_t& coresPerDevice) {
  InstanceType type;
  type.name = info.instanceType;
  type.architecture = architectureOf(info);
  if (type.architecture.empty() && info.supportedArchitectures.empty() && bundled != nullptr) {
    type.architecture = bundled->architecture;
  }
  if (type.architecture.empty()) return std::nullopt;
  type.vcpus = info.defaultVCpus > 0 ? info.defaultVCpus : (bundled ? bundled->vcpus : 0);
  type.memoryMiB = info.memoryMiB > 0 ? info.memoryMiB : (bundled ? bundled->memoryMiB : 0);
  if (type.vcpus <= 0 || type.memoryMiB <= 0) return std::nullopt;  // nothing to size a node by
  type.currentGeneration = info.currentGeneration;
  type.bareMetal = info.bareMetal;
  type.burstable = info.burstablePerformanceSupported;
  type.hypervisor = info.hypervisor;
  if (type.hypervisor.empty() && !type.bareMetal && bundled != nullptr) {
    type.hypervisor = bundled->hypervisor;
  }
  type.gpu = gpuOf(info);
  type.accelerator = acceleratorOf(info, coresPerDevice);
  if (bundled != nullptr) {
    fillGaps(type.gpu, bundled->gpu);
    fillGaps(type.accelerator, bundled->accelerator);
    if (coresPerDevice == 0) coresPerDevice = bundledCoresPerDevice(*bundled);
    type.maxPods = bundled->maxPods;
  } else if (info.maximumNetworkInterfaces > 0 && info.ipv4AddressesPerInterface > 0) {
    type.maxPods = info.maximumNetworkInterfaces * (info.ipv4AddressesPerInterface - 1) + 2;
  } else {
    type.maxPods = kDefaultMaxPods;
  }
  return type;
}

// The bundled offering of a type for one capacity type (the first one: bundled prices are the
// same in every zone).
const Offering* bundledOffering(const InstanceType* bundled, CapacityType capacityType) {
  if (bundled == nullptr) return nullptr;
  for (const Offering& offering : bundled->offerings) {
    if (offering.capacityType == capacityType) return &offering;
  }
  return nullptr;
}

struct Price {
  double perHour = 0;
  bool estimated = false;
};

using SpotKey = std::pair<std::string, std::string>;  // (type, zone)
struct SpotPoint {
  double price = 0;
  std::optional<Clock::TimePoint> timestamp;
};

// The newest price per (type, zone); among equal timestamps the lowest (several product
// descriptions may report one pool).
std::map<SpotKey, SpotPoint> latestSpotPrices(const std::vector<SpotPrice>& history) {
  std::map<SpotKey, SpotPoint> latest;
  for (const SpotPrice& point : history) {
    if (!(point.price > 0)) continue;
    SpotKey key{point.instanceType, point.availabilityZone};
    auto [it, inserted] =
        latest.try_emplace(std::move(key), SpotPoint{point.price, point.timestamp});
    if (inserted) continue;
    SpotPoint& have = it->second;
    if (point.timestamp > have.timestamp ||
        (point.timestamp == have.timestamp && point.price < have.price)) {
      have = SpotPoint{point.price, point.timestamp};
    }
  }
  return latest;
}

}  // namespace

Result<api::InstanceTypesPtr> mergeLiveCatalog(const LiveCatalogInputs& inputs,
                                               const api::InstanceTypes* bundled,
                                               const CatalogOptions& options) {
  if (Status status = validateCatalogOptions(options); !status.isOk()) return fail(status);

  std::map<std::string_view, const InstanceType*> bundledByName;
  if (bundled != nullptr) {
    for (const InstanceType& type : *bundled) bundledByName.emplace(type.name, &type);
  }
  std::map<std::string_view, std::set<std::string>> zonesByType;
  for (const InstanceTypeOffering& offering : inputs.offerings) {
    if (offering.locationType != "availability-zone" || offering.location.empty()) continue;
    zonesByType[offering.instanceType].insert(offering.location);
  }
  const auto spot = latestSpotPrices(inputs.spotPrices);

  std::map<std::string, InstanceType> out;  // by name: sorted, one per type
  for (const InstanceTypeInfo& info : inputs.types) {
    auto zones = zonesByType.find(info.instanceType);
    if (zones == zonesByType.end() || out.contains(info.instanceType)) continue;
    auto found = bundledByName.find(info.instanceType);
    const InstanceType* fromBundle = found == bundledByName.end() ? nullptr : found->second;

    int32_t coresPerDevice = 0;
    auto type = hardwareOf(info, fromBundle, coresPerDevice);
    if (!type) continue;

    std::vector<std::string> usage = info.supportedUsageClasses;
    if (usage.empty() && fromBundle != nullptr) {
      if (bundledOffering(fromBundle, CapacityType::kOnDemand)) usage.emplace_back("on-demand");
      if (bundledOffering(fromBundle, CapacityType::kSpot)) usage.emplace_back("spot");
    }
    std::optional<Price> onDemand;
    if (inputs.onDemandPrices) {
      if (auto it = inputs.onDemandPrices->find(info.instanceType);
          it != inputs.onDemandPrices->end()) {
        onDemand = Price{it->second, false};
      }
    }
    if (!onDemand) {
      if (const Offering* o = bundledOffering(fromBundle, CapacityType::kOnDemand)) {
        onDemand = Price{o->pricePerHour, o->priceEstimated};
      }
    }

    for (const std::string& zone : zones->second) {
      if (has(usage, "on-demand") && onDemand) {
        type->offerings.push_back(Offering{.zone = zone,
                                           .capacityType = CapacityType::kOnDemand,
                                           .pricePerHour = onDemand->perHour,
                                           .available = true,
                                           .priceEstimated = onDemand->estimated});
      }
      if (!has(usage, "spot")) continue;
      if (auto it = spot.find(SpotKey{info.instanceType, zone}); it != spot.end()) {
        type->offerings.push_back(Offering{.zone = zone,
                                           .capacityType = CapacityType::kSpot,
                                           .pricePerHour = it->second.price,
                                           .available = true,
                                           .priceEstimated = false});
      } else if (onDemand) {
        type->offerings.push_back(
            Offering{.zone = zone,
                     .capacityType = CapacityType::kSpot,
                     .pricePerHour = onDemand->perHour * options.spotPriceFraction,
                     .available = true,
                     .priceEstimated = true});
      }
    }
    if (type->offerings.empty()) continue;
    resolveInstanceType(*type, coresPerDevice, options);
    out.emplace(type->name, std::move(*type));
  }

  auto types = std::make_shared<api::InstanceTypes>();
  types->reserve(out.size());
  for (auto& [name, type] : out) types->push_back(std::move(type));
  return api::InstanceTypesPtr(std::move(types));
}

}  // namespace gantry::cloudprovider::aws
