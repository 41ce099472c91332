// Checks the bundled EC2 catalog against facts about well-known instance types (hardware,
// GPU/accelerator resources, prices, zones), the allocatable arithmetic, the labels and the
// ordering. The loader's contract (regions, options, determinism) is in
// bundled_catalog_options_test.cpp.
#include "cloudprovider/catalog/bundled_catalog.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <set>

#include "src/api/well_known_labels.h"

namespace gantry::cloudprovider {
namespace {

using api::CapacityType;
using api::InstanceType;
using api::Quantity;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
namespace resource = api::resource;
namespace label = api::label;

Quantity mebibytes(int64_t mib) {
  return Quantity::fromValue(mib << 20, Quantity::Format::kBinarySI);
}

Quantity gibibytes(int64_t gib) {
  return Quantity::fromValue(gib << 30, Quantity::Format::kBinarySI);
}

class BundledCatalogTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto built = bundledInstanceTypes("us-east-1");
    ASSERT_TRUE(built.has_value()) << built.error().toString();
    usEast1_ = *built;
  }
  static void TearDownTestSuite() { usEast1_.reset(); }

  static const InstanceType& type(std::string_view name) { return find(*usEast1_, name); }

  static const InstanceType& find(const api::InstanceTypes& types, std::string_view name) {
    auto it = std::find_if(types.begin(), types.end(),
                           [&](const InstanceType& t) { return t.name == name; });
    if (it == types.end()) throw std::runtime_error("no instance type " + std::string(name));
    return *it;
  }

  static bool contains(const api::InstanceTypes& types, std::string_view name) {
    return std::any_of(types.begin(), types.end(),
                       [&](const InstanceType& t) { return t.name == name; });
  }

  static inline api::InstanceTypesPtr usEast1_;
};

TEST_F(BundledCatalogTest, G4dnXlargeHasOneNvidiaT4) {
  const InstanceType& t = type("g4dn.xlarge");
  EXPECT_EQ(t.family, "g4dn");
  EXPECT_EQ(t.size, "xlarge");
  EXPECT_EQ(t.architecture, "amd64");
  EXPECT_EQ(t.vcpus, 4);
  EXPECT_EQ(t.memoryMiB, 16 * 1024);
  EXPECT_EQ(t.hypervisor, "nitro");
  EXPECT_TRUE(t.currentGeneration);
  EXPECT_FALSE(t.bareMetal);
  EXPECT_FALSE(t.burstable);
  EXPECT_EQ(t.maxPods, 29);  // 3 ENIs * (10 IPv4 - 1) + 2
  ASSERT_TRUE(t.gpu.has_value());
  EXPECT_EQ(t.gpu->manufacturer, "NVIDIA");
  EXPECT_EQ(t.gpu->name, "T4");
  EXPECT_EQ(t.gpu->count, 1);
  EXPECT_EQ(t.gpu->memoryMiB, 16 * 1024);
  EXPECT_FALSE(t.accelerator.has_value());
  EXPECT_EQ(t.capacity.get(resource::kNvidiaGpu), Quantity::fromValue(1));
  EXPECT_FALSE(t.capacity.has(resource::kAmdGpu));
}

TEST_F(BundledCatalogTest, G4dnXlargeOfferingsCoverItsUsEast1ZonesAtListPrice) {
  const InstanceType& t = type("g4dn.xlarge");
  std::vector<std::string> onDemandZones;
  for (const api::Offering& o : t.offerings) {
    EXPECT_TRUE(o.available);
    if (o.capacityType == CapacityType::kOnDemand) {
      onDemandZones.push_back(o.zone);
      EXPECT_DOUBLE_EQ(o.pricePerHour, 0.526);
      EXPECT_FALSE(o.priceEstimated) << "us-east-1 on-demand prices are published figures";
    } else {
      EXPECT_DOUBLE_EQ(o.pricePerHour, 0.526 * 0.4);
      EXPECT_TRUE(o.priceEstimated);
    }
  }
  // The snapshot does not offer g4dn.xlarge in us-east-1e.
  EXPECT_THAT(onDemandZones,
              ElementsAre("us-east-1a", "us-east-1b", "us-east-1c", "us-east-1d", "us-east-1f"));
  EXPECT_EQ(t.offerings.size(), 10u);  // each zone: on-demand, then spot
  EXPECT_EQ(t.offerings[0].capacityType, CapacityType::kOnDemand);
  EXPECT_EQ(t.offerings[1].capacityType, CapacityType::kSpot);
  ASSERT_TRUE(t.cheapestPrice().has_value());
  EXPECT_DOUBLE_EQ(*t.cheapestPrice(), 0.526 * 0.4);
}

// Worked by hand from the formulas in instance_type_resolver.h for g4dn.xlarge
// (4 vCPU, 16384 MiB, 29 ENI-limited pods, default 20Gi root volume):
//   cpu:     capacity 4000m; kube-reserved 60 (6% of core 1) + 10 (1% of core 2)
//            + 10 (0.5% of cores 3-4) = 80m; allocatable 3920m.
//   memory:  capacity 16384 - ceil(16384 * 0.075 = 1228.8) = 16384 - 1229 = 15155Mi;
//            overhead 11 * 29 + 255 = 574Mi kube-reserved + 100Mi eviction = 674Mi;
//            allocatable 15155 - 674 = 14481Mi.
//   pods:    29, nothing reserved.
//   storage: capacity 20Gi; overhead 1Gi kube-reserved + 10% of 20Gi = 2Gi eviction;
//            allocatable 17Gi.
TEST_F(BundledCatalogTest, G4dnXlargeAllocatableMatchesHandArithmetic) {
  const InstanceType& t = type("g4dn.xlarge");
  EXPECT_EQ(t.capacity.get(resource::kCpu), Quantity::fromValue(4));
  EXPECT_EQ(t.capacity.get(resource::kMemory), mebibytes(15155));
  EXPECT_EQ(t.capacity.get(resource::kPods), Quantity::fromValue(29));
  EXPECT_EQ(t.capacity.get(resource::kEphemeralStorage), gibibytes(20));

  EXPECT_EQ(t.overhead.get(resource::kCpu), Quantity::fromMilli(80));
  EXPECT_EQ(t.overhead.get(resource::kMemory), mebibytes(674));
  EXPECT_EQ(t.overhead.get(resource::kEphemeralStorage), gibibytes(3));

  const api::ResourceList allocatable = t.allocatable();
  EXPECT_EQ(allocatable.get(resource::kCpu), Quantity::fromMilli(3920));
  EXPECT_EQ(allocatable.get(resource::kMemory), mebibytes(14481));
  EXPECT_EQ(allocatable.get(resource::kPods), Quantity::fromValue(29));
  EXPECT_EQ(allocatable.get(resource::kEphemeralStorage), gibibytes(17));
  EXPECT_EQ(allocatable.get(resource::kNvidiaGpu), Quantity::fromValue(1));
  EXPECT_EQ(allocatable.get(resource::kCpu).toString(), "3920m");
  EXPECT_EQ(allocatable.get(resource::kMemory).toString(), "14481Mi");
}

// The generation comes from AWS's previous-generation family list (data/SOURCES.txt), not from
// the vendored JSON, which marks these current families as previous. Getting it wrong hides
// them from the default NodePool's instance-generation requirement: an A10G pod went
// unschedulable.
TEST_F(BundledCatalogTest, GenerationFollowsAwsPreviousGenerationList) {
  for (std::string_view name : {"g5.xlarge", "m5.large", "c5.large", "r5.large", "m6i.large",
                                "r6i.large", "c6gn.large", "m4.large", "g6f.large"}) {
    EXPECT_TRUE(type(name).currentGeneration) << name;
    EXPECT_EQ(type(name).labels.at(std::string(label::kInstanceCurrentGeneration)), "true") << name;
  }
  for (std::string_view name : {"m3.large", "c3.large", "m1.small", "c1.medium", "r3.large",
                                "i2.xlarge", "t1.micro"}) {
    if (!contains(*usEast1_, name)) continue;  // only when the snapshot still sells it
    EXPECT_FALSE(type(name).currentGeneration) << name;
  }
  EXPECT_FALSE(type("m3.large").currentGeneration);
  EXPECT_FALSE(type("c3.large").currentGeneration);
}

TEST_F(BundledCatalogTest, FractionalGpuKeepsItsPartitionSize) {
  const InstanceType& eighth = type("g6f.large");
  ASSERT_TRUE(eighth.gpu.has_value());
  EXPECT_EQ(eighth.gpu->count, 0);
  EXPECT_EQ(eighth.gpu->partitionPerMille, 125);
  EXPECT_EQ(type("g6f.4xlarge").gpu->partitionPerMille, 500);
  EXPECT_EQ(type("g5.xlarge").gpu->partitionPerMille, 1000);
}

TEST_F(BundledCatalogTest, P4d24xlargeHasEightA100s) {
  const InstanceType& t = type("p4d.24xlarge");
  EXPECT_EQ(t.vcpus, 96);
  ASSERT_TRUE(t.gpu.has_value());
  EXPECT_EQ(t.gpu->name, "A100");
  EXPECT_EQ(t.gpu->count, 8);
  EXPECT_EQ(t.gpu->memoryMiB, 40960);
  EXPECT_EQ(t.capacity.get(resource::kNvidiaGpu), Quantity::fromValue(8));
  // 60 + 10 + 10 + 0.25% of the 92 cores above 4 (230) = 310m.
  EXPECT_EQ(t.overhead.get(resource::kCpu), Quantity::fromMilli(310));
  EXPECT_EQ(t.labels.at(std::string(label::kInstanceGpuCount)), "8");
  EXPECT_EQ(t.labels.at(std::string(label::kInstanceGpuName)), "a100");
}

TEST_F(BundledCatalogTest, G4adXlargeAdvertisesAmdGpuNotNvidia) {
  const InstanceType& t = type("g4ad.xlarge");
  ASSERT_TRUE(t.gpu.has_value());
  EXPECT_EQ(t.gpu->manufacturer, "AMD");
  EXPECT_EQ(t.capacity.get(resource::kAmdGpu), Quantity::fromValue(1));
  EXPECT_FALSE(t.capacity.has(resource::kNvidiaGpu));
  EXPECT_EQ(t.labels.at(std::string(label::kInstanceGpuManufacturer)), "amd");
  EXPECT_EQ(t.labels.at(std::string(label::kInstanceGpuName)), "radeon-pro-v520");
  EXPECT_EQ(t.labels.at(std::string(label::kKarpenterInstanceGpuName)), "radeon-pro-v520");
}

TEST_F(BundledCatalogTest, FractionalGpuG6fLargeAdvertisesNoGpuResource) {
  const InstanceType& t = type("g6f.large");
  ASSERT_TRUE(t.gpu.has_value());
  EXPECT_EQ(t.gpu->name, "L4");
  EXPECT_EQ(t.gpu->count, 0);
  EXPECT_FALSE(t.capacity.has(resource::kNvidiaGpu));
  EXPECT_FALSE(t.capacity.has(resource::kAmdGpu));
  EXPECT_EQ(t.labels.at(std::string(label::kInstanceGpuCount)), "0");
}

TEST_F(BundledCatalogTest, NeuronTypesAdvertiseDevicesAndCores) {
  const InstanceType& inf2 = type("inf2.xlarge");
  ASSERT_TRUE(inf2.accelerator.has_value());
  EXPECT_EQ(inf2.accelerator->manufacturer, "AWS");
  EXPECT_EQ(inf2.accelerator->name, "Inferentia2");
  EXPECT_EQ(inf2.accelerator->count, 1);
  EXPECT_EQ(inf2.accelerator->memoryMiB, 32768);
  EXPECT_FALSE(inf2.gpu.has_value());
  EXPECT_EQ(inf2.capacity.get(resource::kNeuron), Quantity::fromValue(1));
  EXPECT_EQ(inf2.capacity.get(resource::kNeuronCore), Quantity::fromValue(2));
  EXPECT_FALSE(inf2.capacity.has(resource::kNvidiaGpu));
  EXPECT_EQ(inf2.labels.at(std::string(label::kInstanceAcceleratorName)), "inferentia2");
  EXPECT_EQ(inf2.labels.at(std::string(label::kInstanceAcceleratorCount)), "1");
  EXPECT_EQ(inf2.labels.at("karpenter.k8s.aws/instance-accelerator-name"), "inferentia2");
  EXPECT_EQ(inf2.labels.at(std::string(label::kInstanceCategory)), "inf");

  // Trainium lists no InferenceAcceleratorInfo; NeuronInfo still gives its 16 devices.
  const InstanceType& trn1 = type("trn1.32xlarge");
  EXPECT_EQ(trn1.capacity.get(resource::kNeuron), Quantity::fromValue(16));
  EXPECT_EQ(trn1.capacity.get(resource::kNeuronCore), Quantity::fromValue(32));
}

// m6g.large: 2 vCPU, 8192 MiB Graviton2. Memory capacity: 8192 - 64 (CMA) = 8128;
// 8128 * 0.075 = 609.6 -> 610; 8128 - 610 = 7518Mi.
TEST_F(BundledCatalogTest, GravitonTypeIsArm64AndLosesItsCmaReservation) {
  const InstanceType& t = type("m6g.large");
  EXPECT_EQ(t.architecture, "arm64");
  EXPECT_EQ(t.labels.at(std::string(label::kArch)), "arm64");
  EXPECT_EQ(t.capacity.get(resource::kMemory), mebibytes(7518));
  EXPECT_EQ(t.labels.at(std::string(label::kInstanceMemory)), "8192");
}

TEST_F(BundledCatalogTest, LabelsCarryGantryAndKarpenterKeys) {
  const InstanceType& t = type("g4dn.xlarge");
  const api::Labels expected = {
      {"kubernetes.io/arch", "amd64"},
      {"kubernetes.io/os", "linux"},
      {"node.kubernetes.io/instance-type", "g4dn.xlarge"},
      {"gantry.dev/instance-family", "g4dn"},
      {"gantry.dev/instance-size", "xlarge"},
      {"gantry.dev/instance-category", "g"},
      {"gantry.dev/instance-generation", "4"},
      {"gantry.dev/instance-current-generation", "true"},
      {"gantry.dev/instance-cpu", "4"},
      {"gantry.dev/instance-memory", "16384"},
      {"gantry.dev/instance-hypervisor", "nitro"},
      {"gantry.dev/instance-gpu-name", "t4"},
      {"gantry.dev/instance-gpu-count", "1"},
      {"gantry.dev/instance-gpu-manufacturer", "nvidia"},
      {"gantry.dev/instance-gpu-memory", "16384"},
      {"karpenter.k8s.aws/instance-family", "g4dn"},
      {"karpenter.k8s.aws/instance-size", "xlarge"},
      {"karpenter.k8s.aws/instance-category", "g"},
      {"karpenter.k8s.aws/instance-generation", "4"},
      {"karpenter.k8s.aws/instance-cpu", "4"},
      {"karpenter.k8s.aws/instance-memory", "16384"},
      {"karpenter.k8s.aws/instance-hypervisor", "nitro"},
      {"karpenter.k8s.aws/instance-gpu-name", "t4"},
      {"karpenter.k8s.aws/instance-gpu-count", "1"},
      {"karpenter.k8s.aws/instance-gpu-manufacturer", "nvidia"},
      {"karpenter.k8s.aws/instance-gpu-memory", "16384"},
  };
  EXPECT_EQ(t.labels, expected);
}

TEST_F(BundledCatalogTest, LabelsForAddsZoneRegionAndCapacityType) {
  const InstanceType& t = type("g4dn.xlarge");
  const api::Offering& spot = t.offerings[1];
  ASSERT_EQ(spot.capacityType, CapacityType::kSpot);
  const api::Labels labels = t.labelsFor(spot);
  EXPECT_EQ(labels.at(std::string(label::kZone)), "us-east-1a");
  EXPECT_EQ(labels.at(std::string(label::kRegion)), "us-east-1");
  EXPECT_EQ(labels.at(std::string(label::kCapacityType)), "spot");
  EXPECT_EQ(labels.at(std::string(label::kKarpenterCapacityType)), "spot");
  EXPECT_EQ(labels.size(), t.labels.size() + 4);
  EXPECT_FALSE(t.labels.contains(std::string(label::kZone))) << "type labels are zone-free";
}

TEST_F(BundledCatalogTest, MetalTypeHasNoHypervisorLabel) {
  const InstanceType& t = type("m5.metal");
  EXPECT_TRUE(t.bareMetal);
  EXPECT_EQ(t.hypervisor, "");
  EXPECT_FALSE(t.labels.contains(std::string(label::kInstanceHypervisor)));
}

TEST_F(BundledCatalogTest, BurstableAndOlderGenerationFlagsComeThrough) {
  EXPECT_TRUE(type("t3.micro").burstable);
  EXPECT_EQ(type("t3.micro").labels.at(std::string(label::kInstanceCategory)), "t");
  EXPECT_FALSE(type("m3.large").currentGeneration);
  EXPECT_EQ(type("m3.large").hypervisor, "xen");
}

TEST_F(BundledCatalogTest, UnpricedAndMacTypesAreLeftOut) {
  // 19 described types have no us-east-1 on-demand price (hpc*, trn2, p5e.48xlarge, x8aedz,
  // dl2q) and 9 are Mac instances; the generator drops them (1373 described, 1345 bundled).
  for (std::string_view name :
       {"p5e.48xlarge", "trn2.48xlarge", "hpc7a.96xlarge", "dl2q.24xlarge", "mac2.metal"}) {
    EXPECT_FALSE(contains(*usEast1_, name)) << name;
  }
  // us-east-1 offers all but a handful of the bundled types.
  EXPECT_GT(usEast1_->size(), 1300u);
  EXPECT_LE(usEast1_->size(), 1345u);
}

TEST_F(BundledCatalogTest, SortedByNameWithoutDuplicates) {
  EXPECT_TRUE(std::is_sorted(usEast1_->begin(), usEast1_->end(),
                             [](const InstanceType& a, const InstanceType& b) {
                               return a.name < b.name;
                             }));
  std::set<std::string> names;
  for (const InstanceType& t : *usEast1_) EXPECT_TRUE(names.insert(t.name).second) << t.name;
}

TEST_F(BundledCatalogTest, EveryTypeHasOfferingsAndNonNegativeAllocatable) {
  for (const InstanceType& t : *usEast1_) {
    EXPECT_FALSE(t.offerings.empty()) << t.name;
    const api::ResourceList allocatable = t.allocatable();
    for (const auto& [name, quantity] : allocatable.entries()) {
      EXPECT_GT(quantity.sign(), 0) << t.name << " " << name << "=" << quantity;
    }
  }
}

}  // namespace
}  // namespace gantry::cloudprovider
