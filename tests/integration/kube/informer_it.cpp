// Informers against the real control plane: the cache follows creates, updates and deletes;
// it survives a kube-apiserver restart; and when it is cut off while objects change and
// etcd compacts the history it relists after 410 Gone. In every case the cache must end
// equal to a fresh list, and no (object, resourceVersion) may be delivered twice.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "src/common/clock.h"
#include "src/kube/cluster_cache.h"
#include "src/kube/kubeconfig.h"
#include "src/kube/rest_client.h"
#include "tests/support/tcp_proxy.h"
#include "tests/support/kube_namespace.h"

namespace gantry::kube {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

// Records every delivery; flags a repeated (key, resourceVersion) or an update that
// changed nothing.
class Deliveries {
 public:
  EventHandlers<api::Pod> handlers() {
    return {
        .onAdd = [this](const ObjectPtr<api::Pod>& p) { record("add", *p); },
        .onUpdate = [this](const ObjectPtr<api::Pod>&,
                           const ObjectPtr<api::Pod>& p) { record("update", *p); },
        .onDelete = [this](const ObjectPtr<api::Pod>& p) { record("delete", *p); },
    };
  }
  std::map<std::string, int> counts(const std::string& kind) const {
    std::lock_guard lock(mu_);
    auto it = byKind_.find(kind);
    return it == byKind_.end() ? std::map<std::string, int>{} : it->second;
  }
  std::vector<std::string> duplicates() const {
    std::lock_guard lock(mu_);
    return duplicates_;
  }
  void clear() {
    std::lock_guard lock(mu_);
    byKind_.clear();
  }

 private:
  void record(const std::string& kind, const api::Pod& p) {
    std::lock_guard lock(mu_);
    ++byKind_[kind][p.name];
    // The pod's labels carry a generation the test bumps on every change.
    auto gen = p.labels.find("gen");
    const std::string stamp =
        kind + " " + p.name + " gen=" + (gen == p.labels.end() ? "" : gen->second);
    if (kind != "delete" && !seen_.insert(stamp).second) duplicates_.push_back(stamp);
  }
  mutable std::mutex mu_;
  std::map<std::string, std::map<std::string, int>> byKind_;
  std::set<std::string> seen_;
  std::vector<std::string> duplicates_;
};

class InformerIT : public gantry::testing::KubeNamespaceTest {
 protected:
  InformerIT() : KubeNamespaceTest("informer-it", {.qps = 100, .burst = 200}) {}

  void SetUp() override {
    KubeNamespaceTest::SetUp();
    if (HasFatalFailure()) return;
    createDefaultServiceAccount();
  }
  void TearDown() override {
    if (informer_) informer_->stop();
    KubeNamespaceTest::TearDown();
  }

  RestClient& admin() { return client(); }
  ResourcePath pods() const { return {.resource = "pods", .ns = ns_}; }

  // Starts an informer on this namespace's pods through `server` (the apiserver or a proxy).
  void startInformer(const std::string& server) {
    RestConfig cfg = config_;
    cfg.server = server;
    auto conn = connect(cfg, clock_, {.qps = 100, .burst = 200, .maxRetries = 0});
    ASSERT_TRUE(conn) << conn.error().toString();
    informerConn_ = std::move(*conn);
    informer_ = std::make_unique<PodInformer>(
        *informerConn_.client, clock_, pods(), decodeCachedPod,
        InformerOptions{.fieldSelector = "metadata.namespace=" + ns_,
                        .initialBackoff = 100ms,
                        .maxBackoff = 500ms});
    addPodIndexes(*informer_);
    informer_->addHandlers(deliveries_.handlers());
    informer_->start();
    ASSERT_TRUE(informer_->waitForSync(30s));
  }

  void createPod(const std::string& name) {
    json pod = {{"metadata", {{"name", name}, {"labels", {{"gen", "1"}}}}},
                {"spec",
                 {{"schedulerName", "nobody"},  // stays Pending: no controller touches it
                  {"containers", json::array({{{"name", "c"}, {"image", "none"}}})}}}};
    auto created = admin().create(pods(), pod);
    ASSERT_TRUE(created) << created.error().toString();
  }
  void bumpPod(const std::string& name, int gen) {
    auto patched = admin().patch(pods().withName(name), PatchType::kMerge,
                                 json{{"metadata", {{"labels", {{"gen", std::to_string(gen)}}}}}});
    ASSERT_TRUE(patched) << patched.error().toString();
  }
  void deletePod(const std::string& name) {
    auto gone = admin().remove(pods().withName(name), {.gracePeriodSeconds = 0});
    ASSERT_TRUE(gone) << gone.error().toString();
  }

  // name → resourceVersion, from a fresh list and from the cache.
  std::map<std::string, std::string> listed() {
    auto list = admin().listAll(pods());
    EXPECT_TRUE(list) << list.error().toString();
    std::map<std::string, std::string> out;
    if (!list) return out;
    for (const auto& item : list->items) {
      out[item["metadata"]["name"]] = item["metadata"]["resourceVersion"];
    }
    return out;
  }
  std::map<std::string, std::string> cached() {
    std::map<std::string, std::string> out;
    for (const auto& key : informer_->store().keys()) {
      out[key.substr(key.find('/') + 1)] = informer_->store().resourceVersionOf(key);
    }
    return out;
  }
  // Waits until the cache equals a fresh list (the informer has caught up).
  void expectCacheConverges() {
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    std::map<std::string, std::string> want, have;
    while (std::chrono::steady_clock::now() < deadline) {
      want = listed();
      have = cached();
      if (want == have) return;
      std::this_thread::sleep_for(100ms);
    }
    ADD_FAILURE() << "cache never matched the apiserver: " << have.size() << " cached vs "
                  << want.size() << " listed";
  }

  static void testenvScript(const std::string& args) {
    const std::string cmd = std::string(GANTRY_SOURCE_DIR) + "/tests/testenv/" + args;
    ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  }
  static void restart(const std::string& piece) { testenvScript("restart " + piece); }

  Connection informerConn_;
  std::unique_ptr<PodInformer> informer_;
  Deliveries deliveries_;
};

TEST_F(InformerIT, FollowsCreatesUpdatesAndDeletesWithIndexes) {
  for (int i = 0; i < 5; ++i) createPod("p" + std::to_string(i));
  startInformer(config_.server);
  EXPECT_EQ(informer_->store().size(), 5u);
  createPod("p5");
  bumpPod("p0", 2);
  deletePod("p1");
  expectCacheConverges();
  EXPECT_EQ(deliveries_.counts("add").size(), 6u);
  EXPECT_EQ(deliveries_.counts("update")["p0"], 1);
  EXPECT_EQ(deliveries_.counts("delete")["p1"], 1);
  EXPECT_TRUE(deliveries_.duplicates().empty());
  auto p0 = informer_->store().get(ns_ + "/p0");
  ASSERT_TRUE(p0);
  EXPECT_EQ(p0->schedulerName, "nobody");
  EXPECT_EQ(informer_->store().byIndex(kPodsByPhase, "Pending").size(), 5u);
}

TEST_F(InformerIT, SurvivesAnApiserverRestartWithoutMissingOrRepeatingEvents) {
  for (int i = 0; i < 10; ++i) createPod("p" + std::to_string(i));
  startInformer(config_.server);
  restart("kube-apiserver");
  // Changes after the restart reach the cache through the re-established watch.
  for (int i = 10; i < 15; ++i) createPod("p" + std::to_string(i));
  for (int i = 0; i < 5; ++i) bumpPod("p" + std::to_string(i), 2);
  for (int i = 5; i < 8; ++i) deletePod("p" + std::to_string(i));
  expectCacheConverges();
  EXPECT_TRUE(deliveries_.duplicates().empty()) << deliveries_.duplicates().front();
  auto adds = deliveries_.counts("add");
  EXPECT_EQ(adds.size(), 15u);
  for (const auto& [name, n] : adds) EXPECT_EQ(n, 1) << name << " added " << n << " times";
  // Deleting a pod first marks it (an update), then removes it.
  EXPECT_EQ(deliveries_.counts("update").size(), 8u);
  EXPECT_EQ(deliveries_.counts("delete").size(), 3u);
  EXPECT_GE(informer_->stats().watches, 2u) << "the watch was re-established";
}

TEST_F(InformerIT, RelistsAfterEtcdCompactionAndDeliversOnlyTheGap) {
  gantry::testing::TcpProxy proxy(std::stoi(config_.server.substr(config_.server.rfind(':') + 1)));
  for (int i = 0; i < 10; ++i) createPod("p" + std::to_string(i));
  startInformer("https://127.0.0.1:" + std::to_string(proxy.port()));
  deliveries_.clear();

  // Cut off, the informer misses these; then etcd forgets their history and the apiserver
  // restarts with an empty watch cache, so resuming from the old version is impossible.
  proxy.cut();
  for (int i = 10; i < 13; ++i) createPod("p" + std::to_string(i));
  for (int i = 0; i < 3; ++i) bumpPod("p" + std::to_string(i), 2);
  for (int i = 3; i < 6; ++i) deletePod("p" + std::to_string(i));
  testenvScript("compact-etcd");
  restart("kube-apiserver");
  proxy.heal();

  expectCacheConverges();
  EXPECT_GE(informer_->stats().relists, 1u) << "the watch should have hit 410 Gone";
  EXPECT_EQ(deliveries_.counts("add"), (std::map<std::string, int>{{"p10", 1}, {"p11", 1}, {"p12", 1}}));
  EXPECT_EQ(deliveries_.counts("update"), (std::map<std::string, int>{{"p0", 1}, {"p1", 1}, {"p2", 1}}));
  EXPECT_EQ(deliveries_.counts("delete"), (std::map<std::string, int>{{"p3", 1}, {"p4", 1}, {"p5", 1}}));
  EXPECT_TRUE(deliveries_.duplicates().empty());
}

TEST_F(InformerIT, StopReturnsPromptlyFromAQuietWatch) {
  startInformer(config_.server);
  std::this_thread::sleep_for(300ms);  // the watch is open and idle
  const auto t0 = std::chrono::steady_clock::now();
  informer_->stop();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 2s);
}

}  // namespace
}  // namespace gantry::kube
