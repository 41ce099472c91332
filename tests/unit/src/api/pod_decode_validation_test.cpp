// Pods the apiserver would refuse (pkg/apis/core/validation, ValidateResourceRequirements
// and the required containers) are refused by the decoder too, with the field to fix.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "src/api/decode.h"

namespace gantry::api {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

json podWithSpec(std::string_view spec) {
  return json{{"kind", "Pod"}, {"metadata", {{"name", "p"}}}, {"spec", json::parse(spec)}};
}

// A pod with one container whose `resources` is the given JSON.
json podWithResources(std::string_view resources) {
  return podWithSpec(R"({"containers": [{"name": "c", "resources": )" + std::string(resources) + "}]}");
}

FieldError refused(const json& object) {
  auto pod = decodePod(object);
  EXPECT_FALSE(pod.has_value()) << "decoded although the apiserver would refuse it: " << object.dump();
  return pod ? FieldError{} : pod.error();
}

void accepted(const json& object) {
  auto pod = decodePod(object);
  EXPECT_TRUE(pod.has_value()) << object.dump() << ": "
                               << (pod ? "" : pod.error().field + ": " + pod.error().message);
}

TEST(PodValidation, APodNeedsAContainer) {
  FieldError missing = refused(podWithSpec("{}"));
  EXPECT_EQ(missing.field, "spec.containers");
  EXPECT_THAT(missing.message, HasSubstr("required"));
  FieldError empty = refused(podWithSpec(R"({"containers": []})"));
  EXPECT_EQ(empty.field, "spec.containers");
  // Init containers alone do not make a pod.
  EXPECT_EQ(refused(podWithSpec(R"({"initContainers": [{"name": "i"}]})")).field, "spec.containers");
  // Templates follow the same rule.
  auto templ = decodePodTemplate(json::parse(R"({"spec": {"containers": []}})"), "spec.template", "ns", "t");
  ASSERT_FALSE(templ.has_value());
  EXPECT_EQ(templ.error().field, "spec.template.spec.containers");
}

TEST(PodValidation, ExtendedResourcesAreWholeNumbers) {
  for (const char* amount : {R"("0.5")", R"("500m")", "0.5", R"("1500m")"}) {
    FieldError e = refused(podWithResources(std::string(R"({"limits": {"nvidia.com/gpu": )") + amount + "}}"));
    EXPECT_EQ(e.field, "spec.containers[0].resources.limits.nvidia.com/gpu") << amount;
    EXPECT_THAT(e.message, HasSubstr("must be an integer")) << amount;
  }
  accepted(podWithResources(R"({"limits": {"nvidia.com/gpu": "2000m"}})"));  // 2, written oddly
}

TEST(PodValidation, ExtendedResourcesNeedALimitEqualToAnyRequest) {
  FieldError noLimit = refused(podWithResources(R"({"requests": {"nvidia.com/gpu": 1}})"));
  EXPECT_EQ(noLimit.field, "spec.containers[0].resources.limits.nvidia.com/gpu");
  EXPECT_THAT(noLimit.message, HasSubstr("limit must be set"));
  FieldError lower = refused(podWithResources(R"({"requests": {"nvidia.com/gpu": 1}, "limits": {"nvidia.com/gpu": 2}})"));
  EXPECT_EQ(lower.field, "spec.containers[0].resources.requests.nvidia.com/gpu");
  EXPECT_THAT(lower.message, HasSubstr("must be equal to nvidia.com/gpu limit of 2"));
  accepted(podWithResources(R"({"requests": {"nvidia.com/gpu": 2}, "limits": {"nvidia.com/gpu": 2}})"));
  accepted(podWithResources(R"({"limits": {"nvidia.com/gpu": 2}})"));
  // Hugepages cannot be overcommitted either.
  EXPECT_THAT(refused(podWithResources(R"({"requests": {"hugepages-2Mi": "2Mi"}, "limits": {"hugepages-2Mi": "4Mi"}})")).message,
              HasSubstr("must be equal to hugepages-2Mi limit of 4Mi"));
}

TEST(PodValidation, RequestsAreAtMostTheirLimits) {
  for (const char* name : {"cpu", "memory", "ephemeral-storage"}) {
    const std::string n(name);
    FieldError e = refused(podWithResources(R"({"requests": {")" + n + R"(": "4"}, "limits": {")" + n + R"(": "2"}})"));
    EXPECT_EQ(e.field, "spec.containers[0].resources.requests." + n);
    EXPECT_THAT(e.message, HasSubstr("must be less than or equal to " + n + " limit of 2"));
    accepted(podWithResources(R"({"requests": {")" + n + R"(": "1"}, "limits": {")" + n + R"(": "2"}})"));
  }
  // Init containers are validated like containers.
  FieldError init = refused(podWithSpec(
      R"({"containers": [{"name": "c"}], "initContainers": [{"name": "i", "resources": {"requests": {"cpu": "2"}, "limits": {"cpu": "1"}}}]})"));
  EXPECT_EQ(init.field, "spec.initContainers[0].resources.requests.cpu");
}

TEST(PodValidation, NonStandardNativeResourceNamesAreRefused) {
  for (const char* name : {"gpu", "pods", "kubernetes.io/gpu", "cpus"}) {
    FieldError e = refused(podWithResources(std::string(R"({"limits": {")") + name + R"(": "1"}})"));
    EXPECT_EQ(e.field, std::string("spec.containers[0].resources.limits.") + name);
    EXPECT_THAT(e.message, HasSubstr("must be a standard resource for containers"));
  }
  accepted(podWithResources(R"({"limits": {"example.com/foo": "3", "hugepages-1Gi": "1Gi", "ephemeral-storage": "1Gi"}})"));
}

TEST(PodValidation, AmountsBeyondInt64MilliUnitsAreRefused) {
  // 1e17 cores is 1e20 milli-cores: saturated, it used to print as 9223372036854775807m.
  for (const char* amount : {R"("1e17")", R"("100P")", R"("9Ei")", "100000000000000000"}) {
    FieldError e = refused(podWithResources(std::string(R"({"requests": {"memory": )") + amount + "}}"));
    EXPECT_EQ(e.field, "spec.containers[0].resources.requests.memory") << amount;
    EXPECT_THAT(e.message, HasSubstr("larger than Kubernetes can hold")) << amount;
  }
  accepted(podWithResources(R"({"requests": {"memory": "9P"}})"));  // 9e15 fits
  FieldError overhead = refused(podWithSpec(R"({"containers": [{"name": "c"}], "overhead": {"cpu": "1e18"}})"));
  EXPECT_EQ(overhead.field, "spec.overhead.cpu");
}

TEST(PodValidation, QuantityKnowsTheInt64MilliRange) {
  EXPECT_TRUE(Quantity::parse("9223372036854775807m")->fitsInt64Milli());
  EXPECT_FALSE(Quantity::parse("9223372036854775808m")->fitsInt64Milli());
  EXPECT_TRUE(Quantity::parse("9223372036854775")->fitsInt64Milli());
  EXPECT_FALSE(Quantity::parse("9223372036854776")->fitsInt64Milli());
  EXPECT_TRUE(Quantity::parse("-9223372036854775808m")->fitsInt64Milli());
  EXPECT_FALSE(Quantity::parse("-9223372036854775809m")->fitsInt64Milli());
}

}  // namespace
}  // namespace gantry::api
