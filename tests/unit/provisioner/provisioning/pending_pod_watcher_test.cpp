// The pending-pod watcher over a scripted apiserver: which pods trigger a batch, which are
// handed to the provisioner, and pods nominated to a node that vanished.
#include "provisioner/provisioning/pending_pod_watcher.h"

#include <gtest/gtest.h>

#include <map>
#include <mutex>

#include "tests/fakes/fake_clock.h"
#include "tests/unit/src/http/fake_http_client.h"

namespace gantry::provisioner {
namespace {

using nlohmann::json;

json pod(const std::string& name, json status, json spec = json::object(),
         json metaExtra = json::object()) {
  json meta = {{"name", name}, {"namespace", "ml"}, {"resourceVersion", "1"}};
  meta.update(metaExtra);
  spec["containers"] = json::array({{{"name", "c"}, {"image", "i"}}});
  return {{"metadata", meta}, {"spec", spec}, {"status", status}};
}

json unschedulable() {
  return {{"phase", "Pending"},
          {"conditions",
           json::array({{{"type", "PodScheduled"}, {"status", "False"}, {"reason", "Unschedulable"}}})}};
}

std::string listOf(const json& items) {
  return json{{"metadata", {{"resourceVersion", "10"}}}, {"items", items}}.dump();
}

class PendingPodsTest : public ::testing::Test {
 protected:
  void serve(json pods, json nodes, std::string podEvents = "", std::string nodeEvents = "") {
    http_.setHandler([=](const http::Request& r) -> Result<http::Response> {
      const bool watch = r.url.find("watch=1") != std::string::npos;
      const bool pods_ = r.url.find("/pods") != std::string::npos;
      if (watch) return http::FakeHttpClient::reply(200, pods_ ? podEvents : nodeEvents);
      return http::FakeHttpClient::reply(200, listOf(pods_ ? pods : nodes));
    });
  }
  std::vector<std::string> names(const std::vector<kube::ObjectPtr<api::Pod>>& pods) {
    std::vector<std::string> out;
    for (const auto& p : pods) out.push_back(p->name);
    return out;
  }

  FakeClock clock_;
  http::FakeHttpClient http_;
  kube::RestClient client_{http_, clock_, "https://h", nullptr, {.qps = 0, .maxRetries = 0}};
  kube::ClusterCache cache_{client_, clock_};
  Batcher batcher_{clock_, {.idle = std::chrono::milliseconds(1000), .max = std::chrono::milliseconds(10000)}};
  PendingPodWatcher watcher_{cache_, batcher_};
};

TEST_F(PendingPodsTest, OnlyProvisionablePodsTriggerAndAreHandedOver) {
  json node = {{"metadata", {{"name", "n1"}, {"resourceVersion", "1"}}},
               {"status", {{"allocatable", {{"cpu", "4"}}}}}};
  serve(json::array({
            pod("wants-gpu", unschedulable()),
            pod("bound", {{"phase", "Running"}}, {{"nodeName", "n1"}}),
            pod("fresh", {{"phase", "Pending"}}),  // the scheduler has not looked yet
            pod("gated", unschedulable(), {{"schedulingGates", json::array({{{"name", "g"}}})}}),
            pod("leaving", unschedulable(), json::object(),
                {{"deletionTimestamp", "2026-01-01T00:00:00Z"}}),
            pod("ds", unschedulable(), json::object(),
                {{"ownerReferences", json::array({{{"kind", "DaemonSet"}, {"name", "d"}, {"uid", "u"},
                                                   {"controller", true}, {"apiVersion", "apps/v1"}}})}}),
            pod("mirror", unschedulable(), json::object(),
                {{"annotations", {{"kubernetes.io/config.mirror", "x"}}}}),
            pod("nominated-gone", {{"phase", "Pending"}, {"nominatedNodeName", "vanished"}}),
            pod("nominated-here", {{"phase", "Pending"}, {"nominatedNodeName", "n1"}}),
        }),
        json::array({node}));
  ASSERT_TRUE(cache_.nodes().step().isOk());
  ASSERT_TRUE(cache_.pods().step().isOk());
  EXPECT_EQ(names(watcher_.pendingPods()),
            (std::vector<std::string>{"nominated-gone", "wants-gpu"}));
  clock_.advance(std::chrono::milliseconds(1000));
  auto batch = batcher_.poll();
  ASSERT_TRUE(batch);
  std::sort(batch->keys.begin(), batch->keys.end());
  EXPECT_EQ(batch->keys, (std::vector<std::string>{"ml/nominated-gone", "ml/wants-gpu"}));
}

TEST_F(PendingPodsTest, ANodeDeletionTriggersThePodsNominatedToIt) {
  json node = {{"metadata", {{"name", "n1"}, {"resourceVersion", "1"}}}, {"status", json::object()}};
  const json pods = json::array({pod("nominated", {{"phase", "Pending"}, {"nominatedNodeName", "n1"}})});
  serve(pods, json::array({node}));
  ASSERT_TRUE(cache_.nodes().step().isOk());
  ASSERT_TRUE(cache_.pods().step().isOk());
  EXPECT_TRUE(watcher_.pendingPods().empty()) << "its node exists: the scheduler will bind it";
  EXPECT_FALSE(batcher_.deadline());
  serve(pods, json::array({node}), "", json{{"type", "DELETED"}, {"object", node}}.dump() + "\n");
  ASSERT_TRUE(cache_.nodes().step().isOk());  // a watch that delivers the deletion
  EXPECT_EQ(names(watcher_.pendingPods()), (std::vector<std::string>{"nominated"}));
  EXPECT_TRUE(batcher_.deadline());
}

TEST_F(PendingPodsTest, NextReturnsTheBatchWithEveryPodPendingAtItsClose) {
  serve(json::array({pod("a", unschedulable()), pod("b", unschedulable())}), json::array());
  ASSERT_TRUE(cache_.nodes().step().isOk());
  ASSERT_TRUE(cache_.pods().step().isOk());
  std::atomic<bool> stop{false};
  auto batch = watcher_.next(stop);
  ASSERT_TRUE(batch);
  EXPECT_EQ(names(batch->pods), (std::vector<std::string>{"a", "b"}));
}

// With the gantry.dev informers: a deleted NodeClaim (its pods were covered by it) and a
// changed NodePool (a raised limit) wake the provisioner for pods that did not change.
class PendingPodsGantryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    http_.setHandler([this](const http::Request& r) -> Result<http::Response> {
      const bool watch = r.url.find("watch=1") != std::string::npos;
      std::lock_guard lock(mu_);
      for (const auto& [resource, body] : responses_) {
        if (r.url.find("/" + resource + "?") == std::string::npos) continue;
        return http::FakeHttpClient::reply(200, watch ? body.second : listOf(body.first));
      }
      return http::FakeHttpClient::reply(200, watch ? "" : listOf(json::array()));
    });
  }
  void set(const std::string& resource, json items, std::string events = "") {
    std::lock_guard lock(mu_);
    responses_[resource] = {std::move(items), std::move(events)};
  }

  FakeClock clock_;
  http::FakeHttpClient http_;
  kube::RestClient client_{http_, clock_, "https://h", nullptr, {.qps = 0, .maxRetries = 0}};
  kube::ClusterCache cache_{client_, clock_, {.gantryResources = true}};
  Batcher batcher_{clock_, {.idle = std::chrono::milliseconds(1000), .max = std::chrono::milliseconds(10000)}};
  PendingPodWatcher watcher_{cache_, batcher_};
  std::mutex mu_;
  std::map<std::string, std::pair<json, std::string>> responses_;
};

TEST_F(PendingPodsGantryTest, ADeletedNodeClaimOrAChangedNodePoolRetriesPendingPods) {
  const json claim = {{"apiVersion", "gantry.dev/v1"}, {"kind", "NodeClaim"},
                      {"metadata", {{"name", "gpu-abcde"}, {"resourceVersion", "3"}}},
                      {"spec", {{"nodeClassRef", {{"group", "gantry.dev"}, {"kind", "EC2NodeClass"},
                                                  {"name", "default"}}}}}};
  const json pool = {{"apiVersion", "gantry.dev/v1"}, {"kind", "NodePool"},
                     {"metadata", {{"name", "gpu"}, {"resourceVersion", "4"}, {"generation", 1}}},
                     {"spec", {{"template", {{"spec", {{"nodeClassRef", {{"name", "default"}}}}}}}}}};
  set("pods", json::array({pod("trial", unschedulable())}));
  set("nodeclaims", json::array({claim}));
  set("nodepools", json::array({pool}));
  for (auto* step : {+[](kube::ClusterCache& c) { return c.nodes().step(); },
                     +[](kube::ClusterCache& c) { return c.pods().step(); },
                     +[](kube::ClusterCache& c) { return c.nodePools().step(); },
                     +[](kube::ClusterCache& c) { return c.nodeClaims().step(); }}) {
    ASSERT_TRUE(step(cache_).isOk());
  }
  clock_.advance(std::chrono::milliseconds(1000));
  ASSERT_TRUE(batcher_.poll()) << "the pod's own trigger";
  EXPECT_FALSE(batcher_.deadline()) << "nothing changed since";

  set("nodeclaims", json::array({claim}), json{{"type", "DELETED"}, {"object", claim}}.dump() + "\n");
  ASSERT_TRUE(cache_.nodeClaims().step().isOk());
  clock_.advance(std::chrono::milliseconds(1000));
  auto batch = batcher_.poll();
  ASSERT_TRUE(batch) << "a deleted claim retries the pods it covered";
  EXPECT_EQ(batch->keys, (std::vector<std::string>{"ml/trial"}));

  // A status write (usage, conditions) leaves the generation alone: no retry.
  json statusOnly = pool;
  statusOnly["metadata"]["resourceVersion"] = "5";
  statusOnly["status"] = {{"resources", {{"nodes", "1"}}}};
  set("nodepools", json::array({pool}), json{{"type", "MODIFIED"}, {"object", statusOnly}}.dump() + "\n");
  ASSERT_TRUE(cache_.nodePools().step().isOk());
  EXPECT_FALSE(batcher_.deadline()) << "a NodePool status write is no reason to re-plan";

  json raised = statusOnly;
  raised["metadata"]["resourceVersion"] = "6";
  raised["metadata"]["generation"] = 2;
  raised["spec"]["limits"] = {{"nvidia.com/gpu", "4"}};
  set("nodepools", json::array({statusOnly}), json{{"type", "MODIFIED"}, {"object", raised}}.dump() + "\n");
  ASSERT_TRUE(cache_.nodePools().step().isOk());
  EXPECT_TRUE(batcher_.deadline()) << "a changed NodePool spec retries pending pods";
}

}  // namespace
}  // namespace gantry::provisioner
