// The shape of the bundled EC2 catalog rows. The rows themselves live in the generated
// bundled_catalog_data.cpp (written by generate_catalog.py from data/ here); this header is
// the contract between that generator and the loader in bundled_catalog.cpp, so a field added
// here must be added to the generator's row format too.
//
// Internal to cloudprovider/catalog: callers use bundled_catalog.h, never these rows.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string_view>

namespace gantry::cloudprovider::catalog {

// Bits of CatalogRow::flags.
inline constexpr uint8_t kCurrent = 1 << 0;    // family not in data/ec2-previous-generation-families.csv
inline constexpr uint8_t kMetal = 1 << 1;      // BareMetal
inline constexpr uint8_t kBurstable = 1 << 2;  // BurstablePerformanceSupported
inline constexpr uint8_t kArm64 = 1 << 3;      // arm64; otherwise amd64 (x86_64, also when both)
inline constexpr uint8_t kOnDemand = 1 << 4;   // "on-demand" in SupportedUsageClasses
inline constexpr uint8_t kSpot = 1 << 5;       // "spot" in SupportedUsageClasses

// GPUs of one model. count is the sum of GpuInfo.Gpus[].Count, so 0 for fractional GPUs (g6f),
// whose share of one device is partitionPerMille (GpuPartitionSize * 1000); an empty
// manufacturer means no GPU.
struct GpuRow {
  std::string_view manufacturer;  // as EC2 spells it: "NVIDIA", "AMD"
  std::string_view name;          // "T4", "Radeon Pro V520"
  int32_t count = 0;
  int64_t memoryMiB = 0;  // per device
  int32_t partitionPerMille = 1000;  // 1000: whole devices; 125: an eighth of one (g6f.large)
};

// Non-GPU accelerator: Neuron devices (Inferentia, Trainium; from NeuronInfo) or other inference
// accelerators (InferenceAcceleratorInfo without NeuronInfo). Empty manufacturer means none.
struct AcceleratorRow {
  std::string_view manufacturer;  // "AWS", "Qualcomm"
  std::string_view name;          // "Inferentia2"
  int32_t count = 0;
  int64_t memoryMiB = 0;           // per device
  int32_t neuronCoresPerDevice = 0;  // > 0 exactly for Neuron devices
};

// The regions the bundled data covers, in CatalogRow::zoneMasks order.
inline constexpr std::size_t kRegionCount = 4;
inline constexpr std::size_t kMaxZonesPerRegion = 16;  // zoneMasks are 16 bits wide

struct RegionRow {
  std::string_view name;  // "us-east-1"
  uint8_t zoneCount = 0;
  std::array<std::string_view, kMaxZonesPerRegion> zones{};  // "us-east-1a", ... sorted
};

// One instance type. Only types Gantry can run Kubernetes nodes on (amd64/arm64 Linux) and that
// have a published on-demand price are present.
struct CatalogRow {
  std::string_view name;  // "g4dn.xlarge"
  int32_t vcpus = 0;
  int64_t memoryMiB = 0;  // MemoryInfo.SizeInMiB, before VM overhead
  uint8_t flags = 0;      // kCurrent | kMetal | ...
  std::string_view hypervisor;  // "nitro", "xen", "" (metal)
  int32_t maxPods = 0;          // ENI-limited pod density, see generate_catalog.py
  int64_t priceMicros = 0;      // us-east-1 on-demand USD per hour, in millionths
  GpuRow gpu;
  AcceleratorRow accelerator;
  // Bit i set when the type is offered in zone i of the region at the same index.
  std::array<uint16_t, kRegionCount> zoneMasks{};
};

// Generated (bundled_catalog_data.cpp). Rows are sorted by name; regions by name.
std::span<const CatalogRow> catalogRows();
std::span<const RegionRow> catalogRegions();

}  // namespace gantry::cloudprovider::catalog
