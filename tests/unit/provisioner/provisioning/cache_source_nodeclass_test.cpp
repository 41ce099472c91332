// cacheSource hands the provisioner each node class as a provider-neutral NodeClassState:
// the name, metadata.generation and status conditions of the EC2NodeClasses the cluster
// cache holds, which is all the readiness gate needs (no EC2NodeClass type above the cache).
#include <gtest/gtest.h>

#include "provisioner/provisioning/cache_source.h"
#include "provisioner/provisioning/cluster_snapshot.h"
#include "tests/fakes/fake_clock.h"
#include "tests/unit/src/http/fake_http_client.h"

namespace gantry::provisioner {
namespace {

using http::FakeHttpClient;
using nlohmann::json;

json notReadyNodeClass() {
  return {{"apiVersion", "gantry.dev/v1"},
          {"kind", "EC2NodeClass"},
          {"metadata", {{"name", "gpu"}, {"generation", 4}, {"resourceVersion", "5"}}},
          {"spec",
           {{"role", "GantryNodeRole"},
            {"subnetSelectorTerms", json::array({{{"tags", {{"team", "ml"}}}}})},
            {"securityGroupSelectorTerms", json::array({{{"tags", {{"team", "ml"}}}}})},
            {"amiSelectorTerms", json::array({{{"alias", "al2023@latest"}}})}}},
          {"status",
           {{"conditions", json::array({{{"type", "Ready"},
                                         {"status", "False"},
                                         {"reason", "SubnetsNotFound"},
                                         {"message", "no subnet matches"},
                                         {"observedGeneration", 4},
                                         {"lastTransitionTime", "2026-01-01T00:00:00Z"}}})}}}};
}

TEST(CacheSourceNodeClasses, CarriesNameGenerationAndConditions) {
  FakeClock clock;
  FakeHttpClient http;
  http.setHandler([](const http::Request& r) -> Result<http::Response> {
    const std::string path = r.url.substr(0, r.url.find('?'));
    if (r.url.find("watch=1") != std::string::npos) return FakeHttpClient::reply(200, "");
    json items = path.ends_with("/ec2nodeclasses") ? json::array({notReadyNodeClass()}) : json::array();
    return FakeHttpClient::reply(200, json{{"metadata", {{"resourceVersion", "10"}}}, {"items", items}}.dump());
  });
  kube::RestClient client{http, clock, "https://h", nullptr, {.qps = 0, .maxRetries = 0}};
  kube::ClusterCache cache{client, clock, {.gantryResources = true}};
  Batcher batcher{clock};
  PendingPodWatcher watcher{cache, batcher};
  ASSERT_TRUE(cache.ec2NodeClasses().step().isOk());

  ClusterObjects objects = cacheSource(cache, watcher)();
  ASSERT_EQ(objects.nodeClasses.size(), 1u);
  const NodeClassState& state = objects.nodeClasses[0];
  EXPECT_EQ(state.name, "gpu");
  EXPECT_EQ(state.generation, 4);
  const api::Condition* ready = api::findCondition(state.conditions, "Ready");
  ASSERT_NE(ready, nullptr);
  EXPECT_EQ(ready->status, api::ConditionStatus::kFalse);
  EXPECT_EQ(ready->message, "no subnet matches");
  EXPECT_EQ(ready->observedGeneration, 4);
}

}  // namespace
}  // namespace gantry::provisioner
