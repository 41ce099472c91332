// The usage controller's RestClient writer over a scripted apiserver: the merge patch it
// sends to the status subresource (values as quantity strings, null for names to drop, the
// resourceVersion it read) and no write at all when the server already shows the usage.
#include "provisioner/nodepool/status_access.h"

#include <gtest/gtest.h>

#include "tests/fakes/fake_clock.h"
#include "tests/unit/src/http/fake_http_client.h"

namespace gantry::provisioner::nodepool {
namespace {

using http::FakeHttpClient;
using nlohmann::json;

api::Quantity q(const char* text) { return *api::Quantity::parse(text); }

class KubeNodePoolStatusWriterTest : public ::testing::Test {
 protected:
  void servePool(json status) {
    json pool = {{"apiVersion", "gantry.dev/v1"},
                 {"kind", "NodePool"},
                 {"metadata", {{"name", "gpu"}, {"resourceVersion", "42"}}},
                 {"spec", {{"template", json::object()}}}};
    if (!status.is_null()) pool["status"] = status;
    http_.setHandler([pool](const http::Request& r) -> Result<http::Response> {
      if (r.method == "GET" && r.url == "https://h/apis/gantry.dev/v1/nodepools/gpu") {
        return FakeHttpClient::reply(200, pool.dump());
      }
      if (r.method == "PATCH" && r.url == "https://h/apis/gantry.dev/v1/nodepools/gpu/status") {
        return FakeHttpClient::reply(200, pool.dump());
      }
      return FakeHttpClient::reply(404, R"({"kind":"Status","reason":"NotFound","code":404})");
    });
  }
  std::vector<http::Request> patches() const {
    std::vector<http::Request> out;
    for (const auto& r : http_.requests()) {
      if (r.method == "PATCH") out.push_back(r);
    }
    return out;
  }

  FakeClock clock_;
  FakeHttpClient http_;
  kube::RestClient client_{http_, clock_, "https://h", nullptr, {.qps = 0, .maxRetries = 0}};
  KubeNodePoolStatusWriter writer_{client_};
};

TEST_F(KubeNodePoolStatusWriterTest, PatchesTheStatusWithTheVersionReadAndDropsStaleNames) {
  servePool({{"resources", {{"cpu", "4"}, {"nvidia.com/gpu", "1"}, {"nodes", "1"}}},
             {"conditions", json::array()}});
  api::ResourceList usage({{"cpu", q("8")}, {"memory", q("32Gi")}, {"nodes", q("2")}});
  ASSERT_TRUE(writer_.setNodePoolResources("gpu", usage).isOk());
  auto sent = patches();
  ASSERT_EQ(sent.size(), 1u);
  bool mergePatch = false;
  for (const auto& h : sent[0].headers) {
    mergePatch |= h.value == "application/merge-patch+json";
  }
  EXPECT_TRUE(mergePatch);
  const json body = json::parse(sent[0].body);
  EXPECT_EQ(body["metadata"]["resourceVersion"], "42");
  EXPECT_EQ(body["status"]["resources"],
            (json{{"cpu", "8"}, {"memory", "32Gi"}, {"nodes", "2"}, {"nvidia.com/gpu", nullptr}}));
  EXPECT_FALSE(body["status"].contains("conditions")) << "the rest of the status is left alone";
}

TEST_F(KubeNodePoolStatusWriterTest, APoolWithoutStatusGetsOne) {
  servePool(nullptr);
  ASSERT_TRUE(writer_.setNodePoolResources("gpu", api::ResourceList({{"nodes", q("0")}})).isOk());
  auto sent = patches();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(json::parse(sent[0].body)["status"]["resources"], (json{{"nodes", "0"}}));
}

TEST_F(KubeNodePoolStatusWriterTest, NoWriteWhenTheServerAlreadyShowsTheUsage) {
  servePool({{"resources", {{"cpu", "8"}, {"nodes", "2"}}}});
  ASSERT_TRUE(writer_.setNodePoolResources("gpu", api::ResourceList({{"cpu", q("8")}, {"nodes", q("2")}})).isOk());
  EXPECT_TRUE(patches().empty());
}

TEST_F(KubeNodePoolStatusWriterTest, AMissingPoolIsNotFound) {
  servePool(nullptr);
  Status s = writer_.setNodePoolResources("gone", api::ResourceList({{"nodes", q("0")}}));
  EXPECT_TRUE(s.isNotFound()) << s.toString();
  EXPECT_TRUE(patches().empty());
}

}  // namespace
}  // namespace gantry::provisioner::nodepool
