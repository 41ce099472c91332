// What the cloud sells: an instance type with its hardware, Kubernetes capacity and
// allocatable, the labels a node of that type carries, and its offerings (zone x capacity
// type x price). The solver consumes these as immutable values.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "src/api/labels.h"
#include "src/api/resources.h"
#include "src/common/status.h"

namespace gantry::api {

enum class CapacityType { kOnDemand, kSpot };
// "on-demand" / "spot", as in the karpenter.sh/capacity-type label.
std::string_view capacityTypeName(CapacityType type);
Result<CapacityType> parseCapacityType(std::string_view text);

struct Offering {
  std::string zone;  // "us-east-1a"
  CapacityType capacityType = CapacityType::kOnDemand;
  double pricePerHour = 0;  // USD
  // False while a recent launch failed with a capacity error (unavailable-offerings cache).
  bool available = true;
  // True when the price is not a published figure for this region and capacity type
  // (bundled catalog outside us-east-1, or spot without live price history).
  bool priceEstimated = false;
};

struct GpuSpec {
  std::string manufacturer;  // "NVIDIA", "AMD"
  std::string name;          // "T4", "A10G", "Radeon Pro V520"
  int32_t count = 0;         // whole devices; fractional GPUs (g6f) have 0
  int64_t memoryMiB = 0;     // per device
  // Share of one device a fractional-GPU type gets, in thousandths (EC2's GpuPartitionSize):
  // 1000 for whole GPUs, 125 for g6f.large's eighth of an L4.
  int32_t partitionPerMille = 1000;
};

// Non-GPU accelerators (Inferentia/Trainium via Neuron, Qualcomm AI100, ...).
struct AcceleratorSpec {
  std::string manufacturer;
  std::string name;
  int32_t count = 0;
  int64_t memoryMiB = 0;
};

struct InstanceType {
  std::string name;          // "g4dn.xlarge"
  std::string family;        // "g4dn"
  std::string size;          // "xlarge"
  std::string architecture;  // "amd64" | "arm64"
  int32_t vcpus = 0;
  int64_t memoryMiB = 0;  // as EC2 reports it, before VM overhead
  bool currentGeneration = true;
  bool bareMetal = false;
  bool burstable = false;
  std::string hypervisor;  // "nitro", "xen", "" for metal
  std::optional<GpuSpec> gpu;
  std::optional<AcceleratorSpec> accelerator;
  int32_t maxPods = 110;  // ENI-limited

  // What the kubelet would report as capacity (memory net of VM overhead).
  ResourceList capacity;
  // kube-reserved + system-reserved + eviction thresholds.
  ResourceList overhead;
  // capacity - overhead.
  ResourceList allocatable() const { return capacity - overhead; }

  // Labels every node of this type carries (well-known, gantry.dev/*, karpenter.k8s.aws/*),
  // excluding per-offering ones (zone, capacity type).
  Labels labels;
  std::vector<Offering> offerings;

  // labels plus the zone, region and capacity-type labels of one offering.
  Labels labelsFor(const Offering& offering) const;
  // Cheapest available offering price, or nullopt when none is available.
  std::optional<double> cheapestPrice() const;
};

using InstanceTypes = std::vector<InstanceType>;
// The catalog is large and immutable once built, so it is shared across threads by pointer.
using InstanceTypesPtr = std::shared_ptr<const InstanceTypes>;

}  // namespace gantry::api
