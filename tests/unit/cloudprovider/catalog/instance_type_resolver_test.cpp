// Unit tests of the capacity/overhead formulas and label derivation, on hand-built instance
// types, independent of the bundled data.
#include "cloudprovider/catalog/instance_type_resolver.h"

#include <gtest/gtest.h>

#include "src/api/well_known_labels.h"

namespace gantry::cloudprovider {
namespace {

using api::InstanceType;
using api::Quantity;
namespace label = api::label;
namespace resource = api::resource;

InstanceType hardware(std::string name, int32_t vcpus, int64_t memoryMiB, int32_t maxPods) {
  InstanceType type;
  type.name = std::move(name);
  type.architecture = "amd64";
  type.vcpus = vcpus;
  type.memoryMiB = memoryMiB;
  type.hypervisor = "nitro";
  type.maxPods = maxPods;
  return type;
}

std::string labelOr(const InstanceType& type, std::string_view key, std::string fallback = "-") {
  auto it = type.labels.find(key);
  return it == type.labels.end() ? fallback : it->second;
}

TEST(KubeReservedCpu, FollowsTheCoreTiers) {
  EXPECT_EQ(kubeReservedCpuMillis(1), 60);
  EXPECT_EQ(kubeReservedCpuMillis(2), 70);
  EXPECT_EQ(kubeReservedCpuMillis(3), 75);
  EXPECT_EQ(kubeReservedCpuMillis(4), 80);
  EXPECT_EQ(kubeReservedCpuMillis(8), 90);    // + 4 * 2.5
  EXPECT_EQ(kubeReservedCpuMillis(96), 310);  // + 92 * 2.5
  EXPECT_EQ(kubeReservedCpuMillis(5), 82);    // 2.5 truncated to 2
  EXPECT_EQ(kubeReservedCpuMillis(0), 0);
}

TEST(KubeReservedMemory, ScalesWithPodDensity) {
  EXPECT_EQ(kubeReservedMemoryMiB(29), 574);
  EXPECT_EQ(kubeReservedMemoryMiB(110), 1465);
}

TEST(CapacityMemory, SubtractsVmOverheadRoundedUp) {
  CatalogOptions options;
  EXPECT_EQ(capacityMemoryMiB(16384, false, options), 15155);  // 1228.8 -> 1229
  EXPECT_EQ(capacityMemoryMiB(8192, true, options), 7518);     // (8192 - 64) - 610
  // An exact product is not rounded up to the next MiB.
  EXPECT_EQ(capacityMemoryMiB(40, false, options), 37);
  options.vmMemoryOverheadPercent = 0;
  options.arm64ReservedMemoryMiB = 0;
  EXPECT_EQ(capacityMemoryMiB(8192, true, options), 8192);
}

TEST(LowerKebab, LowercasesAndReplacesSpaces) {
  EXPECT_EQ(lowerKebab("Radeon Pro V520"), "radeon-pro-v520");
  EXPECT_EQ(lowerKebab("A10G"), "a10g");
  EXPECT_EQ(lowerKebab("RTX PRO Server 6000"), "rtx-pro-server-6000");
}

TEST(ValidateCatalogOptions, AcceptsDefaultsAndRejectsOutOfRange) {
  EXPECT_TRUE(validateCatalogOptions({}).isOk());
  CatalogOptions options;
  options.spotPriceFraction = 0;
  EXPECT_TRUE(validateCatalogOptions(options).isInvalid());
  options = {};
  options.rootVolumeBytes = 0;
  EXPECT_TRUE(validateCatalogOptions(options).isInvalid());
  options = {};
  options.arm64ReservedMemoryMiB = -1;
  EXPECT_TRUE(validateCatalogOptions(options).isInvalid());
  options = {};
  options.vmMemoryOverheadPercent = -0.1;
  EXPECT_TRUE(validateCatalogOptions(options).isInvalid());
}

TEST(ResolveInstanceType, SplitsFamilyIntoCategoryAndGeneration) {
  struct Case {
    std::string name;
    std::string family, size, category, generation;
  };
  const Case cases[] = {
      {"g4dn.xlarge", "g4dn", "xlarge", "g", "4"},
      {"inf2.48xlarge", "inf2", "48xlarge", "inf", "2"},
      {"c7i-flex.large", "c7i-flex", "large", "c", "7"},
      {"u-12tb1.112xlarge", "u-12tb1", "112xlarge", "u", "1"},
      {"u7i-12tb.224xlarge", "u7i-12tb", "224xlarge", "u", "7"},
      {"x2iedn.metal", "x2iedn", "metal", "x", "2"},
      {"odd.large", "odd", "large", "-", "-"},  // no generation digits: no labels
  };
  for (const Case& c : cases) {
    InstanceType type = hardware(c.name, 2, 4096, 29);
    resolveInstanceType(type, 0, {});
    EXPECT_EQ(type.family, c.family) << c.name;
    EXPECT_EQ(type.size, c.size) << c.name;
    EXPECT_EQ(labelOr(type, label::kInstanceCategory), c.category) << c.name;
    EXPECT_EQ(labelOr(type, label::kKarpenterInstanceCategory), c.category) << c.name;
    EXPECT_EQ(labelOr(type, label::kInstanceGeneration), c.generation) << c.name;
  }
}

TEST(ResolveInstanceType, GpuResourceFollowsManufacturer) {
  InstanceType nvidia = hardware("x.large", 4, 16384, 29);
  nvidia.gpu = api::GpuSpec{"NVIDIA", "T4", 2, 16384};
  resolveInstanceType(nvidia, 0, {});
  EXPECT_EQ(nvidia.capacity.get(resource::kNvidiaGpu), Quantity::fromValue(2));
  EXPECT_FALSE(nvidia.capacity.has(resource::kAmdGpu));

  InstanceType amd = hardware("y.large", 4, 16384, 29);
  amd.gpu = api::GpuSpec{"AMD", "Radeon Pro V520", 1, 8192};
  resolveInstanceType(amd, 0, {});
  EXPECT_EQ(amd.capacity.get(resource::kAmdGpu), Quantity::fromValue(1));
  EXPECT_FALSE(amd.capacity.has(resource::kNvidiaGpu));

  // A vendor without a known device plugin gets labels but no extended resource.
  InstanceType other = hardware("z.large", 4, 16384, 29);
  other.gpu = api::GpuSpec{"Habana", "Gaudi HL-205", 8, 32768};
  resolveInstanceType(other, 0, {});
  EXPECT_FALSE(other.capacity.has(resource::kNvidiaGpu));
  EXPECT_FALSE(other.capacity.has(resource::kAmdGpu));
  EXPECT_EQ(labelOr(other, label::kInstanceGpuName), "gaudi-hl-205");
}

TEST(ResolveInstanceType, NonNeuronAcceleratorGetsLabelsButNoNeuronResource) {
  InstanceType type = hardware("dl2q.24xlarge", 96, 786432, 737);
  type.accelerator = api::AcceleratorSpec{"Qualcomm", "Qualcomm AI100", 8, 16000};
  resolveInstanceType(type, 0, {});
  EXPECT_FALSE(type.capacity.has(resource::kNeuron));
  EXPECT_FALSE(type.capacity.has(resource::kNeuronCore));
  EXPECT_EQ(labelOr(type, label::kInstanceAcceleratorName), "qualcomm-ai100");
  EXPECT_EQ(labelOr(type, label::kInstanceAcceleratorCount), "8");
}

TEST(ResolveInstanceType, ResolvingTwiceGivesTheSameResult) {
  InstanceType type = hardware("m5.large", 2, 8192, 29);
  resolveInstanceType(type, 0, {});
  const InstanceType first = type;
  resolveInstanceType(type, 0, {});
  EXPECT_EQ(type.capacity, first.capacity);
  EXPECT_EQ(type.overhead, first.overhead);
  EXPECT_EQ(type.labels, first.labels);
}

}  // namespace
}  // namespace gantry::cloudprovider
