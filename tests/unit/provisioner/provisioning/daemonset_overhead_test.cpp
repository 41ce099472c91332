// DaemonSet overhead on the controller's read path: the cluster cache's DaemonSet informer
// (over a scripted apiserver) decodes each DaemonSet into the pod it runs on every node,
// cacheSource hands them to the snapshot, and the solver sizes new nodes with them.
#include <gtest/gtest.h>

#include "binpack/solver.h"
#include "provisioner/provisioning/cache_source.h"
#include "provisioner/provisioning/cluster_snapshot.h"
#include "tests/fakes/fake_clock.h"
#include "tests/support/builders.h"
#include "tests/unit/src/http/fake_http_client.h"

namespace gantry::provisioner {
namespace {

using http::FakeHttpClient;
using nlohmann::json;

json container(json requests) {
  return {{"name", "c"}, {"image", "i"}, {"resources", {{"requests", std::move(requests)}}}};
}

// A DaemonSet as the apiserver lists it (no kind on list items).
json daemonSet(const std::string& name, json requests, json podSpecExtra = json::object()) {
  json podSpec = {{"containers", json::array({container(std::move(requests))})}};
  podSpec.update(podSpecExtra);
  return {{"metadata", {{"name", name}, {"namespace", "kube-system"}, {"resourceVersion", "7"}}},
          {"spec",
           {{"selector", {{"matchLabels", {{"app", name}}}}},
            {"template", {{"metadata", {{"labels", {{"app", name}}}}}, {"spec", podSpec}}}}}};
}

json pendingPod(const std::string& name, const std::string& cpu) {
  return {{"metadata", {{"name", name}, {"namespace", "ml"}, {"resourceVersion", "1"}}},
          {"spec", {{"containers", json::array({container({{"cpu", cpu}})})}}},
          {"status",
           {{"phase", "Pending"},
            {"conditions", json::array({{{"type", "PodScheduled"}, {"status", "False"},
                                         {"reason", "Unschedulable"}}})}}}};
}

json pool(const std::string& name) {
  return {{"apiVersion", "gantry.dev/v1"}, {"kind", "NodePool"},
          {"metadata", {{"name", name}, {"resourceVersion", "3"}}},
          {"spec", {{"template", {{"spec", {{"nodeClassRef", {{"name", "default"}}}}}}}}}};
}

std::string listOf(const json& items) {
  return json{{"metadata", {{"resourceVersion", "10"}}}, {"items", items}}.dump();
}

class DaemonSetOverheadTest : public ::testing::Test {
 protected:
  // Lists by collection; a watch of DaemonSets delivers `daemonSetEvents`, every other watch
  // ends at once with no events.
  void serve(json daemonSets, std::string daemonSetEvents = "") {
    http_.setHandler([=](const http::Request& r) -> Result<http::Response> {
      const std::string path = r.url.substr(0, r.url.find('?'));
      if (r.url.find("watch=1") != std::string::npos) {
        return FakeHttpClient::reply(200, path.ends_with("/daemonsets") ? daemonSetEvents : "");
      }
      if (path.ends_with("/apis/apps/v1/daemonsets")) return FakeHttpClient::reply(200, listOf(daemonSets));
      if (path.ends_with("/api/v1/pods")) return FakeHttpClient::reply(200, listOf(json::array({pendingPod("trainer", "1500m")})));
      if (path.ends_with("/nodepools")) return FakeHttpClient::reply(200, listOf(json::array({pool("cpu")})));
      return FakeHttpClient::reply(200, listOf(json::array()));
    });
  }
  void sync() {
    for (kube::InformerEngine* i : std::initializer_list<kube::InformerEngine*>{
             &cache_.pods(), &cache_.nodes(), &cache_.nodePools(), &cache_.nodeClaims(), &cache_.daemonSets()}) {
      Status s = i->step();
      ASSERT_TRUE(s.isOk()) << i->path().resource << ": " << s.toString();
    }
  }
  // The cheapest plan for what cacheSource read.
  std::string plannedType(const ClusterObjects& objects) {
    ClusterSnapshot snap = buildSnapshot(objects, &types_, "us-east-1");
    auto plan = binpack::solve(snap.snapshot, types_);
    EXPECT_TRUE(plan) << plan.error().toString();
    if (!plan || plan->nodes.size() != 1) return "(" + std::to_string(plan ? plan->nodes.size() : 0) + " nodes)";
    return plan->nodes[0].instanceType;
  }

  FakeClock clock_;
  FakeHttpClient http_;
  kube::RestClient client_{http_, clock_, "https://h", nullptr, {.qps = 0, .maxRetries = 0}};
  kube::ClusterCache cache_{client_, clock_, {.gantryResources = true, .daemonSetOverhead = true}};
  Batcher batcher_{clock_};
  PendingPodWatcher watcher_{cache_, batcher_};
  api::InstanceTypes types_ = testing::makeTypes({{"c5.large", "2", "4Gi", 0.085}, {"c5.xlarge", "4", "8Gi", 0.17}});
};

TEST_F(DaemonSetOverheadTest, ADaemonSetRequestingOneCpuMakesThePlannedNodeBigger) {
  serve(json::array());
  ASSERT_NO_FATAL_FAILURE(sync());
  ClusterObjects without = cacheSource(cache_, watcher_)();
  ASSERT_EQ(without.pending.size(), 1u);
  EXPECT_TRUE(without.daemonSets.empty());
  EXPECT_EQ(plannedType(without), "c5.large");  // 1.5 cpu fits in 2

  // The DaemonSet arrives through the watch (a watch event carries its kind).
  json added = daemonSet("node-agent", {{"cpu", "1"}, {"memory", "128Mi"}});
  added["apiVersion"] = "apps/v1";
  added["kind"] = "DaemonSet";
  serve(json::array(), json{{"type", "ADDED"}, {"object", added}}.dump() + "\n");
  ASSERT_NO_FATAL_FAILURE(sync());
  ClusterObjects with = cacheSource(cache_, watcher_)();
  ASSERT_EQ(with.daemonSets.size(), 1u);
  const api::Pod& ds = with.daemonSets[0];
  EXPECT_EQ(ds.key(), "kube-system/node-agent");
  EXPECT_EQ(ds.owner.kind, "DaemonSet");
  EXPECT_EQ(ds.requests.get("cpu"), testing::q("1"));
  EXPECT_EQ(plannedType(with), "c5.xlarge");  // 1.5 + 1 cpu does not fit in 2
}

TEST_F(DaemonSetOverheadTest, ADaemonSetThatDoesNotRunOnTheNewNodeCostsNothing) {
  // Selects Windows nodes only: the pool's linux nodes do not run it.
  serve(json::array({daemonSet("win-agent", {{"cpu", "1"}},
                               {{"nodeSelector", {{"kubernetes.io/os", "windows"}}}})}));
  ASSERT_NO_FATAL_FAILURE(sync());
  ClusterObjects objects = cacheSource(cache_, watcher_)();
  ASSERT_EQ(objects.daemonSets.size(), 1u);
  EXPECT_EQ(objects.daemonSets[0].nodeSelector.at("kubernetes.io/os"), "windows");
  EXPECT_EQ(plannedType(objects), "c5.large");
}

TEST_F(DaemonSetOverheadTest, AMalformedDaemonSetIsKeptOutOfTheCache) {
  json bad = daemonSet("bad", {{"cpu", "lots"}});
  serve(json::array({bad, daemonSet("good", {{"cpu", "100m"}})}));
  ASSERT_NO_FATAL_FAILURE(sync());
  ClusterObjects objects = cacheSource(cache_, watcher_)();
  ASSERT_EQ(objects.daemonSets.size(), 1u);
  EXPECT_EQ(objects.daemonSets[0].name, "good");
  EXPECT_EQ(cache_.daemonSets().stats().decodeErrors, 1u);
}

TEST(DecodeCachedDaemonSet, TakesTheTemplateAndTrimsWhatTheOverheadDoesNotNeed) {
  json ds = daemonSet("gpu-plugin", {{"cpu", "50m"}},
                      {{"tolerations", json::array({{{"operator", "Exists"}}})}});
  ds["spec"]["template"]["metadata"]["annotations"] = {{"checksum/config", "abc"}};
  auto pod = kube::decodeCachedDaemonSet(ds);
  ASSERT_TRUE(pod) << pod.error();
  EXPECT_EQ(pod->name, "gpu-plugin");
  EXPECT_EQ(pod->ns, "kube-system");
  EXPECT_EQ(pod->requests.get("cpu"), testing::q("50m"));
  ASSERT_EQ(pod->tolerations.size(), 1u);
  EXPECT_TRUE(pod->annotations.empty());
  EXPECT_FALSE(kube::decodeCachedDaemonSet(json{{"metadata", {{"name", "x"}}}, {"spec", json::object()}}));
}

}  // namespace
}  // namespace gantry::provisioner
