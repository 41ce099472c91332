// ResourceList arithmetic: absent names are zero everywhere (sums, differences, max,
// comparison and equality), and extended resources are told apart from native ones the
// way the apiserver does.
#include "src/api/resources.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace gantry::api {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

Quantity q(std::string_view text) {
  auto parsed = Quantity::parse(text);
  EXPECT_TRUE(parsed.has_value()) << text;
  return parsed.value_or(Quantity());
}

ResourceList list(std::initializer_list<std::pair<std::string, std::string>> items) {
  ResourceList out;
  for (const auto& [name, value] : items) out.set(name, q(value));
  return out;
}

TEST(ResourceNames, ExtendedResourcesHaveAForeignDomain) {
  EXPECT_TRUE(resource::isExtended("nvidia.com/gpu"));
  EXPECT_TRUE(resource::isExtended("amd.com/gpu"));
  EXPECT_TRUE(resource::isExtended("aws.amazon.com/neuron"));
  EXPECT_TRUE(resource::isExtended("example.com/foo"));
}

TEST(ResourceNames, NativeResourcesAreNotExtended) {
  EXPECT_FALSE(resource::isExtended("cpu"));
  EXPECT_FALSE(resource::isExtended("memory"));
  EXPECT_FALSE(resource::isExtended("ephemeral-storage"));
  EXPECT_FALSE(resource::isExtended("pods"));
  EXPECT_FALSE(resource::isExtended("hugepages-2Mi"));
  EXPECT_FALSE(resource::isExtended("kubernetes.io/something"));
  EXPECT_FALSE(resource::isExtended("node.kubernetes.io/something"));
  EXPECT_FALSE(resource::isExtended("requests.nvidia.com/gpu"));  // a quota name
}

TEST(ResourceNames, AcceleratorsAreGpusAndNeuronDevices) {
  EXPECT_TRUE(resource::isAccelerator("nvidia.com/gpu"));
  EXPECT_TRUE(resource::isAccelerator("amd.com/gpu"));
  EXPECT_TRUE(resource::isAccelerator("aws.amazon.com/neuron"));
  EXPECT_TRUE(resource::isAccelerator("aws.amazon.com/neuroncore"));
  EXPECT_FALSE(resource::isAccelerator("cpu"));
  EXPECT_FALSE(resource::isAccelerator("example.com/foo"));
}

TEST(ResourceList, GetOfAnAbsentNameIsZero) {
  ResourceList r = list({{"cpu", "2"}});
  EXPECT_TRUE(r.get("memory").isZero());
  EXPECT_FALSE(r.has("memory"));
  EXPECT_TRUE(r.has("cpu"));
  EXPECT_EQ(r.get("cpu"), q("2"));
}

TEST(ResourceList, SetReplacesAnExistingValue) {
  ResourceList r = list({{"cpu", "2"}});
  r.set("cpu", q("500m"));
  EXPECT_EQ(r.get("cpu"), q("500m"));
  EXPECT_EQ(r.entries().size(), 1u);
}

TEST(ResourceList, AdditionKeepsNamesFromBothSides) {
  ResourceList sum = list({{"cpu", "1"}, {"memory", "1Gi"}}) + list({{"cpu", "500m"}, {"nvidia.com/gpu", "1"}});
  EXPECT_EQ(sum.get("cpu"), q("1500m"));
  EXPECT_EQ(sum.get("memory"), q("1Gi"));
  EXPECT_EQ(sum.get("nvidia.com/gpu"), q("1"));
  EXPECT_EQ(sum.toString(), "cpu=1500m, memory=1Gi, nvidia.com/gpu=1");
}

TEST(ResourceList, SubtractionOfAnAbsentNameGoesNegative) {
  ResourceList diff = list({{"cpu", "4"}}) - list({{"cpu", "1"}, {"memory", "2Gi"}});
  EXPECT_EQ(diff.get("cpu"), q("3"));
  EXPECT_EQ(diff.get("memory"), q("-2Gi"));
}

TEST(ResourceList, InPlaceOperatorsMatchTheBinaryOnes) {
  ResourceList a = list({{"cpu", "1"}});
  a += list({{"cpu", "1"}});
  a -= list({{"cpu", "250m"}});
  EXPECT_EQ(a, list({{"cpu", "1750m"}}));
}

TEST(ResourceList, MaxIsPerName) {
  ResourceList m = ResourceList::max(list({{"cpu", "2"}, {"memory", "1Gi"}}),
                                     list({{"cpu", "1"}, {"memory", "4Gi"}, {"nvidia.com/gpu", "1"}}));
  EXPECT_EQ(m, list({{"cpu", "2"}, {"memory", "4Gi"}, {"nvidia.com/gpu", "1"}}));
}

TEST(ResourceList, MaxTreatsAnAbsentNameAsZero) {
  // max(absent, -1) is 0, not -1: absent names are zero on both sides.
  ResourceList m = ResourceList::max(ResourceList{}, list({{"cpu", "-1"}}));
  EXPECT_EQ(m.get("cpu"), Quantity());
  ResourceList m2 = ResourceList::max(list({{"cpu", "-1"}}), ResourceList{});
  EXPECT_EQ(m2.get("cpu"), Quantity());
}

TEST(ResourceList, FitsInComparesEveryNameAgainstCapacity) {
  ResourceList capacity = list({{"cpu", "4"}, {"memory", "16Gi"}, {"pods", "110"}});
  EXPECT_TRUE(list({{"cpu", "4"}, {"memory", "16Gi"}}).fitsIn(capacity));  // equal fits
  EXPECT_FALSE(list({{"cpu", "4001m"}}).fitsIn(capacity));
  EXPECT_TRUE(ResourceList{}.fitsIn(capacity));
}

TEST(ResourceList, NameMissingFromCapacityFitsOnlyWhenZero) {
  ResourceList capacity = list({{"cpu", "4"}});
  EXPECT_FALSE(list({{"nvidia.com/gpu", "1"}}).fitsIn(capacity));
  EXPECT_TRUE(list({{"nvidia.com/gpu", "0"}}).fitsIn(capacity));
}

TEST(ResourceList, ExceedingListsOffendingNamesInOrder) {
  ResourceList capacity = list({{"cpu", "4"}, {"memory", "8Gi"}});
  EXPECT_THAT(list({{"nvidia.com/gpu", "1"}, {"memory", "9Gi"}, {"cpu", "1"}}).exceeding(capacity),
              ElementsAre("memory", "nvidia.com/gpu"));
  EXPECT_THAT(list({{"cpu", "4"}}).exceeding(capacity), IsEmpty());
}

TEST(ResourceList, EqualityTreatsAbsentAsZero) {
  EXPECT_EQ(list({{"cpu", "1"}, {"nvidia.com/gpu", "0"}}), list({{"cpu", "1000m"}}));
  EXPECT_EQ(ResourceList{}, list({{"memory", "0"}}));
  EXPECT_NE(list({{"cpu", "1"}}), list({{"cpu", "1"}, {"memory", "1"}}));
  EXPECT_NE(list({{"memory", "1"}}), ResourceList{});
  EXPECT_EQ(list({{"memory", "1Gi"}}), list({{"memory", "1073741824"}}));
}

TEST(ResourceList, EmptyAndToString) {
  EXPECT_TRUE(ResourceList{}.empty());
  EXPECT_EQ(ResourceList{}.toString(), "");
  EXPECT_FALSE(list({{"cpu", "0"}}).empty());
}

}  // namespace
}  // namespace gantry::api
