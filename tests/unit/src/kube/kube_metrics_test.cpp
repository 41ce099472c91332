// The Kubernetes client's metrics: every RestClient request counted by Kubernetes verb,
// resource and status code and timed (watches counted, not timed), and informer watch
// restarts by reason, read back through the registry as a scrape would.
#include "src/kube/metrics.h"

#include <gtest/gtest.h>

#include "src/kube/informer.h"
#include "src/kube/rest_client.h"
#include "tests/fakes/fake_clock.h"
#include "tests/support/metric_samples.h"
#include "tests/unit/src/http/fake_http_client.h"

namespace gantry::kube {
namespace {

using http::FakeHttpClient;
using nlohmann::json;
using testing::sampleValue;

const ResourcePath kPods{.resource = "pods", .ns = "team-a"};
const ResourcePath kNodeClaims{.group = "gantry.dev", .resource = "nodeclaims"};

class KubeMetricsTest : public ::testing::Test {
 protected:
  FakeHttpClient http_;
  FakeClock clock_;
  prometheus::Registry registry_;
  KubeMetrics metrics_{registry_};
  RestClient client_{http_, clock_, "https://h", nullptr,
                     {.qps = 0, .maxRetries = 0, .metrics = &metrics_}};
};

TEST(KubeVerbTest, NamesTheKubernetesVerbOfEachRequest) {
  EXPECT_EQ(kubeVerb("GET", true, ""), "get");
  EXPECT_EQ(kubeVerb("GET", false, "limit=500"), "list");
  EXPECT_EQ(kubeVerb("GET", false, "watch=1&resourceVersion=5"), "watch");
  EXPECT_EQ(kubeVerb("GET", false, "labelSelector=a&watch=1"), "watch");
  EXPECT_EQ(kubeVerb("POST", false, ""), "create");
  EXPECT_EQ(kubeVerb("PUT", true, ""), "update");
  EXPECT_EQ(kubeVerb("PATCH", true, ""), "patch");
  EXPECT_EQ(kubeVerb("DELETE", true, ""), "delete");
}

TEST_F(KubeMetricsTest, CountsEveryRequestByVerbResourceAndCode) {
  http_.setHandler([this](const http::Request& r) -> Result<http::Response> {
    clock_.advance(std::chrono::milliseconds(40));  // the apiserver takes 40 ms
    if (r.url.find("/missing") != std::string::npos) {
      return FakeHttpClient::reply(404, R"({"kind":"Status","reason":"NotFound","code":404})");
    }
    if (r.url.find("/unreachable") != std::string::npos) return fail(Status::unavailable("refused"));
    return FakeHttpClient::reply(200, R"({"items":[],"metadata":{}})");
  });
  ASSERT_TRUE(client_.get(kPods.withName("p")));
  ASSERT_TRUE(client_.list(kPods));
  ASSERT_TRUE(client_.create(kNodeClaims, json::object()));
  ASSERT_TRUE(client_.patch(kNodeClaims.withName("c", "status"), PatchType::kMerge, json::object()));
  ASSERT_TRUE(client_.update(kNodeClaims.withName("c"), json::object()));
  ASSERT_TRUE(client_.remove(kNodeClaims.withName("c")));
  ASSERT_TRUE(client_.create(kPods.withName("p", "eviction"), json::object()));
  EXPECT_FALSE(client_.get(kPods.withName("missing")));
  EXPECT_FALSE(client_.get(kPods.withName("unreachable")));

  auto count = [&](const char* verb, const char* resource, const char* code) {
    return sampleValue(registry_, "gantry_kube_requests_total",
                       {{"verb", verb}, {"resource", resource}, {"code", code}})
        .value_or(0);
  };
  EXPECT_EQ(count("get", "pods", "200"), 1);
  EXPECT_EQ(count("list", "pods", "200"), 1);
  EXPECT_EQ(count("create", "nodeclaims", "200"), 1);
  EXPECT_EQ(count("patch", "nodeclaims", "200"), 1);  // a status patch is the claim's resource
  EXPECT_EQ(count("update", "nodeclaims", "200"), 1);
  EXPECT_EQ(count("delete", "nodeclaims", "200"), 1);
  EXPECT_EQ(count("create", "pods", "200"), 1);  // an eviction
  EXPECT_EQ(count("get", "pods", "404"), 1);
  EXPECT_EQ(count("get", "pods", "error"), 1);

  // Timed on the injected clock: three gets of 40 ms each.
  EXPECT_EQ(sampleValue(registry_, "gantry_kube_request_duration_seconds",
                        {{"verb", "get"}, {"resource", "pods"}}),
            3);
  EXPECT_NEAR(testing::histogramSum(registry_, "gantry_kube_request_duration_seconds",
                                    {{"verb", "get"}, {"resource", "pods"}})
                  .value_or(0),
              0.120, 1e-9);
}

TEST_F(KubeMetricsTest, RetriesAreRequestsOfTheirOwn) {
  RestClient retrying{http_, clock_, "https://h", nullptr,
                      {.qps = 0, .maxRetries = 2, .metrics = &metrics_}};
  http_.enqueue(FakeHttpClient::reply(503, "busy"));
  http_.enqueue(FakeHttpClient::reply(200, "{}"));
  ASSERT_TRUE(retrying.get(kPods.withName("p")));
  EXPECT_EQ(sampleValue(registry_, "gantry_kube_requests_total", {{"verb", "get"}, {"code", "503"}}), 1);
  EXPECT_EQ(sampleValue(registry_, "gantry_kube_requests_total", {{"verb", "get"}, {"code", "200"}}), 1);
}

struct Thing {
  std::string name;
};

TEST_F(KubeMetricsTest, InformerCountsWatchRestartsByReasonAndWatchesAreNotTimed) {
  const std::string gone =
      R"j({"type":"ERROR","object":{"kind":"Status","status":"Failure","reason":"Expired","code":410}})j"
      "\n";
  int watches = 0;
  http_.setHandler([&](const http::Request& r) -> Result<http::Response> {
    if (r.url.find("watch=1") == std::string::npos) {
      return FakeHttpClient::reply(200, R"({"metadata":{"resourceVersion":"5"},"items":[]})");
    }
    switch (watches++) {
      case 0: return FakeHttpClient::reply(200, "");  // the server's timeout ends it
      case 1: return FakeHttpClient::reply(200, gone);
      default: return FakeHttpClient::reply(500, "broken");
    }
  });
  Informer<Thing> informer(client_, clock_, ResourcePath{.resource = "things"},
                           [](const json& o) -> std::expected<Thing, std::string> {
                             return Thing{o["metadata"]["name"]};
                           });
  EXPECT_TRUE(informer.step().isOk());
  EXPECT_EQ(sampleValue(registry_, "gantry_watch_restarts_total", {{"resource", "things"}, {"reason", "expired"}}),
            0);  // started at zero by the first list
  EXPECT_TRUE(informer.step().isGone());
  EXPECT_FALSE(informer.step().isOk());  // relists, then the watch fails

  auto restarts = [&](const char* reason) {
    return sampleValue(registry_, "gantry_watch_restarts_total",
                       {{"resource", "things"}, {"reason", reason}})
        .value_or(0);
  };
  EXPECT_EQ(restarts("closed"), 1);
  EXPECT_EQ(restarts("expired"), 1);
  EXPECT_EQ(restarts("error"), 1);
  EXPECT_EQ(sampleValue(registry_, "gantry_kube_requests_total", {{"verb", "watch"}, {"resource", "things"}, {"code", "200"}}), 2);
  EXPECT_EQ(sampleValue(registry_, "gantry_kube_requests_total", {{"verb", "list"}, {"resource", "things"}}), 2);  // and the relist
  EXPECT_FALSE(sampleValue(registry_, "gantry_kube_request_duration_seconds", {{"verb", "watch"}}));
}

}  // namespace
}  // namespace gantry::kube
