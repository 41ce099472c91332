// The images a pod pulls (what `gantry simulate` times): init containers first, each image
// once, and a FieldError naming the container for an image that is not a string.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "src/api/decode.h"

namespace gantry::api {
namespace {

using nlohmann::json;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

json pod(json spec) {
  return json{{"apiVersion", "v1"},
              {"kind", "Pod"},
              {"metadata", {{"name", "p"}, {"namespace", "ml"}}},
              {"spec", std::move(spec)}};
}

TEST(PodImages, InitContainersFirstEachImageOnce) {
  auto decoded = decodePod(pod(json::parse(R"({
    "initContainers": [{"name": "fetch", "image": "busybox:1.36"},
                       {"name": "proxy", "image": "envoy:1.30", "restartPolicy": "Always"}],
    "containers": [{"name": "train", "image": "nvcr.io/nvidia/pytorch:24.01-py3"},
                   {"name": "logs", "image": "busybox:1.36"}]})")));
  ASSERT_TRUE(decoded) << decoded.error().field << ": " << decoded.error().message;
  EXPECT_THAT(decoded->images,
              ElementsAre("busybox:1.36", "envoy:1.30", "nvcr.io/nvidia/pytorch:24.01-py3"));
}

TEST(PodImages, AContainerWithoutAnImageAddsNone) {
  auto decoded = decodePod(pod(json::parse(R"({"containers": [{"name": "c"}]})")));
  ASSERT_TRUE(decoded);
  EXPECT_THAT(decoded->images, IsEmpty());
}

TEST(PodImages, ANonStringImageIsAFieldError) {
  auto decoded = decodePod(pod(json::parse(R"({"containers": [{"name": "c", "image": 7}]})")));
  ASSERT_FALSE(decoded);
  EXPECT_EQ(decoded.error().field, "spec.containers[0].image");
}

}  // namespace
}  // namespace gantry::api
