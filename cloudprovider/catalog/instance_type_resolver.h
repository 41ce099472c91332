// Turns the hardware facts of an EC2 instance type (vCPUs, memory, ENI pod density, GPUs,
// accelerators) into what Kubernetes will see on a node of that type: capacity, the kubelet's
// reserved overhead, and the node labels. Kept apart from the bundled data so that a catalog
// built from live DescribeInstanceTypes answers computes exactly the same numbers.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "src/api/instance_type.h"
#include "src/common/status.h"

namespace gantry::cloudprovider {

// Knobs of the capacity and overhead model. The defaults reproduce what Karpenter (AWS
// provider) assumes for an AL2/AL2023 EKS node with a default EC2NodeClass.
struct CatalogOptions {
  // Share of EC2's advertised memory that the hypervisor and firmware keep and the kubelet never
  // sees (Karpenter's --vm-memory-overhead-percent, default 0.075). Must be in [0, 1).
  double vmMemoryOverheadPercent = 0.075;
  // Graviton kernels reserve this much contiguous (CMA) memory that no pod can use; Karpenter
  // subtracts 64 MiB for arm64 types before applying vmMemoryOverheadPercent. Must be >= 0.
  int64_t arm64ReservedMemoryMiB = 64;
  // Size of the root EBS volume, which backs ephemeral-storage (EC2NodeClass default: 20Gi).
  // Must be > 0.
  int64_t rootVolumeBytes = int64_t{20} << 30;
  // Spot price estimate as a fraction of on-demand, used until live spot prices exist. 0.4 is a
  // deliberately conservative reading of EC2's advertised "up to 90% off": spot still wins ties
  // against on-demand but not by an implausible margin. Must be in (0, 1].
  double spotPriceFraction = 0.4;
};

// Returns Status::invalid naming the first field out of range.
Status validateCatalogOptions(const CatalogOptions& options);

// Karpenter/EKS kube-reserved CPU in millicores for `vcpus` cores (the tiers come from the
// EKS AMI bootstrap and Bottlerocket): 6% of the first core, 1% of the second, 0.5% of cores
// 3-4 and 0.25% of every core above 4, each tier truncated to whole millicores.
// kubeReservedCpuMillis(4) == 60 + 10 + 10 == 80.
int64_t kubeReservedCpuMillis(int64_t vcpus);

// EKS kube-reserved memory in MiB for a node running at most `maxPods` pods:
// 11 MiB per pod + 255 MiB.
int64_t kubeReservedMemoryMiB(int64_t maxPods);

// Memory the kubelet reports as capacity, in whole MiB: EC2's figure minus the arm64 CMA
// reservation, minus vmMemoryOverheadPercent of the rest rounded up to a whole MiB (Karpenter's
// rounding, so the estimate never exceeds what the node will have).
int64_t capacityMemoryMiB(int64_t memoryMiB, bool arm64, const CatalogOptions& options);

// "Radeon Pro V520" -> "radeon-pro-v520": how GPU and accelerator names appear in label values.
std::string lowerKebab(std::string_view text);

// REQUIRES: the hardware fields of `type` are filled (name, architecture, vcpus, memoryMiB,
// hypervisor, gpu, accelerator, maxPods) and `options` is valid.
// Fills type.family, type.size, type.capacity, type.overhead and type.labels; leaves offerings
// alone. `neuronCoresPerDevice` is the NeuronCore count of each accelerator device when the
// accelerator is a Neuron device (0 otherwise); it sets aws.amazon.com/neuroncore.
//
// Capacity: cpu = vCPUs; memory = capacityMemoryMiB; pods = maxPods; ephemeral-storage = the
// root volume; nvidia.com/gpu or amd.com/gpu = whole GPUs (absent when 0, e.g. fractional g6f);
// aws.amazon.com/neuron = Neuron devices and aws.amazon.com/neuroncore = their cores.
// Overhead (kube-reserved + eviction-hard, as Karpenter models them; no system-reserved):
// cpu = kubeReservedCpuMillis; memory = kubeReservedMemoryMiB + 100Mi (memory.available);
// ephemeral-storage = 1Gi kube-reserved + 10% of the root volume (nodefs.available), rounded up
// to a whole byte.
void resolveInstanceType(api::InstanceType& type, int32_t neuronCoresPerDevice,
                         const CatalogOptions& options);

}  // namespace gantry::cloudprovider
