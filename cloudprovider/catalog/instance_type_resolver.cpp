// Capacity, overhead and label arithmetic for an instance type. The formulas follow Karpenter's
// AWS provider (pkg/providers/instancetype/types.go), which in turn follows the EKS AMI bootstrap
// script, so that Gantry's idea of a node's allocatable matches what the kubelet will report and
// pods Karpenter would place fit the nodes Gantry picks.
#include "cloudprovider/catalog/instance_type_resolver.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "src/api/well_known_labels.h"

namespace gantry::cloudprovider {
namespace {

using api::Quantity;
namespace label = api::label;
namespace resource = api::resource;

constexpr int64_t kMiB = int64_t{1} << 20;
constexpr int64_t kGiB = int64_t{1} << 30;

// Eviction-hard defaults of the kubelet on EKS: memory.available<100Mi, nodefs.available<10%.
constexpr int64_t kEvictionMemoryMiB = 100;
constexpr int64_t kEvictionNodefsPercent = 10;
// kube-reserved ephemeral-storage Karpenter assumes for every node.
constexpr int64_t kKubeReservedStorageBytes = 1 * kGiB;

// "c7i-flex" -> category "c", generation "7"; "u-12tb1" -> "u", "1"; "inf2" -> "inf", "2".
// Mirrors Karpenter's `^[a-z]+(-[0-9]+tb)?[0-9]+`: leading letters are the category, an
// optional high-memory "-<n>tb" tag is skipped, the digits after it are the generation.
// Returns false (and no labels are set) for families that do not fit the pattern.
bool splitFamily(std::string_view family, std::string& category, std::string& generation) {
  size_t i = 0;
  while (i < family.size() && std::islower(static_cast<unsigned char>(family[i]))) ++i;
  if (i == 0) return false;
  category = std::string(family.substr(0, i));
  size_t digits = i;
  if (digits < family.size() && family[digits] == '-') {
    size_t j = digits + 1;
    while (j < family.size() && std::isdigit(static_cast<unsigned char>(family[j]))) ++j;
    if (j > digits + 1 && family.substr(j).starts_with("tb")) digits = j + 2;
  }
  size_t end = digits;
  while (end < family.size() && std::isdigit(static_cast<unsigned char>(family[end]))) ++end;
  if (end == digits) return false;
  generation = std::string(family.substr(digits, end - digits));
  return true;
}

std::string lowercase(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Collects a type's labels and builds the map in one sorted pass: inserting ~25 long keys that
// share prefixes into a std::map one by one dominated catalog load time.
class LabelBuilder {
 public:
  LabelBuilder() { entries_.reserve(32); }

  void add(std::string_view key, std::string value) {
    entries_.emplace_back(key, std::move(value));
  }
  // The same value under Gantry's key and Karpenter's equivalent.
  void both(std::string_view gantryKey, std::string_view karpenterKey, const std::string& value) {
    add(gantryKey, value);
    add(karpenterKey, value);
  }

  api::Labels build() {
    std::sort(entries_.begin(), entries_.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    api::Labels labels;
    for (auto& [key, value] : entries_) {
      labels.emplace_hint(labels.end(), std::string(key), std::move(value));
    }
    return labels;
  }

 private:
  std::vector<std::pair<std::string_view, std::string>> entries_;
};

Quantity bytes(int64_t value) { return Quantity::fromValue(value, Quantity::Format::kBinarySI); }

}  // namespace

Status validateCatalogOptions(const CatalogOptions& options) {
  if (!(options.vmMemoryOverheadPercent >= 0 && options.vmMemoryOverheadPercent < 1)) {
    return Status::invalid("catalog vmMemoryOverheadPercent must be in [0, 1), got " +
                           std::to_string(options.vmMemoryOverheadPercent));
  }
  if (options.arm64ReservedMemoryMiB < 0) {
    return Status::invalid("catalog arm64ReservedMemoryMiB must be >= 0, got " +
                           std::to_string(options.arm64ReservedMemoryMiB));
  }
  if (options.rootVolumeBytes <= 0) {
    return Status::invalid("catalog rootVolumeBytes must be > 0, got " +
                           std::to_string(options.rootVolumeBytes));
  }
  if (!(options.spotPriceFraction > 0 && options.spotPriceFraction <= 1)) {
    return Status::invalid("catalog spotPriceFraction must be in (0, 1], got " +
                           std::to_string(options.spotPriceFraction));
  }
  return Status::ok();
}

int64_t kubeReservedCpuMillis(int64_t vcpus) {
  // Fractions in basis points (1/10000) so the arithmetic is exact; truncating each tier to
  // whole millicores matches Karpenter's int64(r * percentage) for every core count EC2 sells.
  struct Tier {
    int64_t fromMillis;
    int64_t toMillis;
    int64_t basisPoints;
  };
  static constexpr Tier kTiers[] = {
      {0, 1000, 600},             // 6% of the first core
      {1000, 2000, 100},          // 1% of the second
      {2000, 4000, 50},           // 0.5% of cores 3-4
      {4000, INT64_MAX, 25},      // 0.25% of the rest
  };
  const int64_t cpuMillis = vcpus * 1000;
  int64_t reserved = 0;
  for (const Tier& tier : kTiers) {
    if (cpuMillis <= tier.fromMillis) break;
    const int64_t inTier = std::min(cpuMillis, tier.toMillis) - tier.fromMillis;
    reserved += inTier * tier.basisPoints / 10000;
  }
  return reserved;
}

int64_t kubeReservedMemoryMiB(int64_t maxPods) { return 11 * maxPods + 255; }

int64_t capacityMemoryMiB(int64_t memoryMiB, bool arm64, const CatalogOptions& options) {
  int64_t mib = memoryMiB - (arm64 ? options.arm64ReservedMemoryMiB : 0);
  // Rounded up so the estimate errs towards less memory; the epsilon keeps products that are
  // whole numbers in exact arithmetic (e.g. 40 MiB * 0.075 == 3) from rounding up to the next.
  const double overhead = static_cast<double>(mib) * options.vmMemoryOverheadPercent;
  return mib - static_cast<int64_t>(std::ceil(overhead - 1e-9));
}

std::string lowerKebab(std::string_view text) {
  std::string out = lowercase(text);
  for (char& c : out) {
    if (c == ' ') c = '-';
  }
  return out;
}

void resolveInstanceType(api::InstanceType& type, int32_t neuronCoresPerDevice,
                         const CatalogOptions& options) {
  const std::string_view name = type.name;
  const size_t dot = name.find('.');
  type.family = std::string(name.substr(0, dot));
  type.size = dot == std::string_view::npos ? std::string() : std::string(name.substr(dot + 1));
  const bool arm64 = type.architecture == "arm64";

  api::ResourceList& capacity = type.capacity;
  capacity = {};
  capacity.set(resource::kCpu, Quantity::fromValue(type.vcpus));
  capacity.set(resource::kMemory, bytes(capacityMemoryMiB(type.memoryMiB, arm64, options) * kMiB));
  capacity.set(resource::kPods, Quantity::fromValue(type.maxPods));
  capacity.set(resource::kEphemeralStorage, bytes(options.rootVolumeBytes));
  if (type.gpu && type.gpu->count > 0) {
    // Only the two device plugins Gantry knows; other vendors' GPUs get no extended resource.
    if (type.gpu->manufacturer == "NVIDIA") {
      capacity.set(resource::kNvidiaGpu, Quantity::fromValue(type.gpu->count));
    } else if (type.gpu->manufacturer == "AMD") {
      capacity.set(resource::kAmdGpu, Quantity::fromValue(type.gpu->count));
    }
  }
  if (type.accelerator && type.accelerator->count > 0 && neuronCoresPerDevice > 0) {
    capacity.set(resource::kNeuron, Quantity::fromValue(type.accelerator->count));
    capacity.set(resource::kNeuronCore,
                 Quantity::fromValue(int64_t{type.accelerator->count} * neuronCoresPerDevice));
  }

  api::ResourceList& overhead = type.overhead;
  overhead = {};
  overhead.set(resource::kCpu, Quantity::fromMilli(kubeReservedCpuMillis(type.vcpus)));
  // kube-reserved memory scales with ENI pod density (EKS AMIs size it from maxPods), plus the
  // memory.available eviction threshold.
  overhead.set(resource::kMemory,
               bytes((kubeReservedMemoryMiB(type.maxPods) + kEvictionMemoryMiB) * kMiB));
  const int64_t nodefsEviction =
      (options.rootVolumeBytes * kEvictionNodefsPercent + 99) / 100;  // ceil(10%)
  overhead.set(resource::kEphemeralStorage, bytes(kKubeReservedStorageBytes + nodefsEviction));

  LabelBuilder labels;
  labels.add(label::kArch, type.architecture);
  labels.add(label::kOs, "linux");
  labels.add(label::kInstanceType, type.name);
  labels.both(label::kInstanceFamily, label::kKarpenterInstanceFamily, type.family);
  labels.both(label::kInstanceSize, label::kKarpenterInstanceSize, type.size);
  std::string category;
  std::string generation;
  if (splitFamily(type.family, category, generation)) {
    labels.both(label::kInstanceCategory, label::kKarpenterInstanceCategory, category);
    labels.both(label::kInstanceGeneration, label::kKarpenterInstanceGeneration, generation);
  }
  labels.add(label::kInstanceCurrentGeneration, type.currentGeneration ? "true" : "false");
  labels.both(label::kInstanceCpu, label::kKarpenterInstanceCpu, std::to_string(type.vcpus));
  labels.both(label::kInstanceMemory, label::kKarpenterInstanceMemory,
              std::to_string(type.memoryMiB));
  // Metal types have no hypervisor; Karpenter writes an empty value, we leave the label off so
  // that `Exists` means "virtualized".
  if (!type.hypervisor.empty()) {
    labels.both(label::kInstanceHypervisor, label::kKarpenterInstanceHypervisor, type.hypervisor);
  }
  if (type.gpu) {
    labels.both(label::kInstanceGpuName, label::kKarpenterInstanceGpuName,
                lowerKebab(type.gpu->name));
    labels.both(label::kInstanceGpuManufacturer, label::kKarpenterInstanceGpuManufacturer,
                lowerKebab(type.gpu->manufacturer));
    labels.both(label::kInstanceGpuCount, label::kKarpenterInstanceGpuCount,
                std::to_string(type.gpu->count));
    labels.both(label::kInstanceGpuMemory, label::kKarpenterInstanceGpuMemory,
                std::to_string(type.gpu->memoryMiB));
  }
  if (type.accelerator) {
    labels.both(label::kInstanceAcceleratorName, label::kKarpenterInstanceAcceleratorName,
                lowerKebab(type.accelerator->name));
    labels.both(label::kInstanceAcceleratorCount, label::kKarpenterInstanceAcceleratorCount,
                std::to_string(type.accelerator->count));
  }
  type.labels = labels.build();
}

}  // namespace gantry::cloudprovider
