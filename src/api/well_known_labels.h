// Label keys Gantry reads and writes. Kubernetes' well-known keys, Gantry's own under
// gantry.dev/, and Karpenter's equivalents, which nodes also carry so that pods written for
// Karpenter schedule unchanged.
#pragma once

#include <array>
#include <string_view>

namespace gantry::api::label {

// Kubernetes well-known.
inline constexpr std::string_view kHostname = "kubernetes.io/hostname";
inline constexpr std::string_view kArch = "kubernetes.io/arch";
inline constexpr std::string_view kOs = "kubernetes.io/os";
inline constexpr std::string_view kInstanceType = "node.kubernetes.io/instance-type";
inline constexpr std::string_view kZone = "topology.kubernetes.io/zone";
inline constexpr std::string_view kRegion = "topology.kubernetes.io/region";
inline constexpr std::string_view kLegacyInstanceType = "beta.kubernetes.io/instance-type";
inline constexpr std::string_view kLegacyZone = "failure-domain.beta.kubernetes.io/zone";

// Gantry.
inline constexpr std::string_view kNodePool = "gantry.dev/nodepool";
inline constexpr std::string_view kCapacityType = "gantry.dev/capacity-type";
inline constexpr std::string_view kInstanceFamily = "gantry.dev/instance-family";
inline constexpr std::string_view kInstanceSize = "gantry.dev/instance-size";
inline constexpr std::string_view kInstanceCategory = "gantry.dev/instance-category";
inline constexpr std::string_view kInstanceGeneration = "gantry.dev/instance-generation";
inline constexpr std::string_view kInstanceCpu = "gantry.dev/instance-cpu";
inline constexpr std::string_view kInstanceMemory = "gantry.dev/instance-memory";
inline constexpr std::string_view kInstanceGpuName = "gantry.dev/instance-gpu-name";
inline constexpr std::string_view kInstanceGpuCount = "gantry.dev/instance-gpu-count";
inline constexpr std::string_view kInstanceGpuManufacturer = "gantry.dev/instance-gpu-manufacturer";
inline constexpr std::string_view kInstanceGpuMemory = "gantry.dev/instance-gpu-memory";
inline constexpr std::string_view kInstanceAcceleratorName = "gantry.dev/instance-accelerator-name";
inline constexpr std::string_view kInstanceAcceleratorCount =
    "gantry.dev/instance-accelerator-count";
inline constexpr std::string_view kInstanceHypervisor = "gantry.dev/instance-hypervisor";
// "true" when EC2 lists the type as current generation (the default NodePool requires it).
inline constexpr std::string_view kInstanceCurrentGeneration =
    "gantry.dev/instance-current-generation";

// Karpenter's equivalents (karpenter.sh/* and karpenter.k8s.aws/*).
inline constexpr std::string_view kKarpenterNodePool = "karpenter.sh/nodepool";
inline constexpr std::string_view kKarpenterCapacityType = "karpenter.sh/capacity-type";
inline constexpr std::string_view kKarpenterInstanceFamily = "karpenter.k8s.aws/instance-family";
inline constexpr std::string_view kKarpenterInstanceSize = "karpenter.k8s.aws/instance-size";
inline constexpr std::string_view kKarpenterInstanceCategory =
    "karpenter.k8s.aws/instance-category";
inline constexpr std::string_view kKarpenterInstanceGeneration =
    "karpenter.k8s.aws/instance-generation";
inline constexpr std::string_view kKarpenterInstanceCpu = "karpenter.k8s.aws/instance-cpu";
inline constexpr std::string_view kKarpenterInstanceMemory = "karpenter.k8s.aws/instance-memory";
inline constexpr std::string_view kKarpenterInstanceGpuName = "karpenter.k8s.aws/instance-gpu-name";
inline constexpr std::string_view kKarpenterInstanceGpuCount =
    "karpenter.k8s.aws/instance-gpu-count";
inline constexpr std::string_view kKarpenterInstanceGpuManufacturer =
    "karpenter.k8s.aws/instance-gpu-manufacturer";
inline constexpr std::string_view kKarpenterInstanceGpuMemory =
    "karpenter.k8s.aws/instance-gpu-memory";
inline constexpr std::string_view kKarpenterInstanceAcceleratorName =
    "karpenter.k8s.aws/instance-accelerator-name";
inline constexpr std::string_view kKarpenterInstanceAcceleratorCount =
    "karpenter.k8s.aws/instance-accelerator-count";
inline constexpr std::string_view kKarpenterInstanceHypervisor =
    "karpenter.k8s.aws/instance-hypervisor";

// Keys of the kubernetes.io and k8s.io domains a NodePool may use (as template labels or
// requirements); every other key in those domains is refused, by the CRD's CEL and by the
// decoder alike. Keys under node-restriction.kubernetes.io are allowed as well.
inline constexpr std::array<std::string_view, 12> kAllowedKubernetesKeys = {
    kArch,
    kOs,
    kInstanceType,
    kZone,
    kRegion,
    "beta.kubernetes.io/arch",
    "beta.kubernetes.io/os",
    kLegacyInstanceType,
    kLegacyZone,
    "failure-domain.beta.kubernetes.io/region",
    "node.kubernetes.io/windows-build",
    "topology.k8s.aws/zone-id",
};

// The requirement keys under gantry.dev, karpenter.sh and karpenter.k8s.aws that mean
// something to Gantry: the labels its instance types and offerings carry. A requirement on any
// other key in these domains is refused (CRD and decoder): it is a typo, and otherwise a
// single-value In on it would silently become a node label instead of restricting types.
inline constexpr std::array<std::string_view, 29> kKnownRequirementKeys = {
    kCapacityType,
    kInstanceFamily,
    kInstanceSize,
    kInstanceCategory,
    kInstanceGeneration,
    kInstanceCpu,
    kInstanceMemory,
    kInstanceGpuName,
    kInstanceGpuCount,
    kInstanceGpuManufacturer,
    kInstanceGpuMemory,
    kInstanceAcceleratorName,
    kInstanceAcceleratorCount,
    kInstanceHypervisor,
    kInstanceCurrentGeneration,
    kKarpenterCapacityType,
    kKarpenterInstanceFamily,
    kKarpenterInstanceSize,
    kKarpenterInstanceCategory,
    kKarpenterInstanceGeneration,
    kKarpenterInstanceCpu,
    kKarpenterInstanceMemory,
    kKarpenterInstanceGpuName,
    kKarpenterInstanceGpuCount,
    kKarpenterInstanceGpuManufacturer,
    kKarpenterInstanceGpuMemory,
    kKarpenterInstanceAcceleratorName,
    kKarpenterInstanceAcceleratorCount,
    kKarpenterInstanceHypervisor,
};

// Taint every Gantry-launched node starts with until Gantry adopts it.
inline constexpr std::string_view kUnregisteredTaintKey = "gantry.dev/unregistered";

}  // namespace gantry::api::label
