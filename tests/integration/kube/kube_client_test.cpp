// The Kubernetes client against the real kube-apiserver of tests/testenv: kubeconfig with
// embedded client certificates, CRUD and pagination on ConfigMaps, error mapping, and a watch
// that sees a pod come and go. Each test works in a fresh namespace and deletes it after.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <chrono>
#include <thread>

#include "src/common/clock.h"
#include "src/kube/kubeconfig.h"
#include "src/kube/rest_client.h"
#include "src/kube/watch.h"
#include "tests/support/kube_namespace.h"

namespace gantry::kube {
namespace {

using nlohmann::json;

class KubeClientIT : public gantry::testing::KubeNamespaceTest {
 protected:
  KubeClientIT() : KubeNamespaceTest("kube-it", {.qps = 50, .burst = 100}) {}

  ResourcePath configMaps() const { return {.resource = "configmaps", .ns = ns_}; }
  static json configMap(const std::string& name, const std::string& value) {
    return {{"apiVersion", "v1"}, {"kind", "ConfigMap"},
            {"metadata", {{"name", name}, {"labels", {{"app", "kube-it"}}}}},
            {"data", {{"k", value}}}};
  }
};

TEST_F(KubeClientIT, ConfigMapCrudAndErrorMapping) {
  auto created = client().create(configMaps(), configMap("cm", "v1"));
  ASSERT_TRUE(created) << created.error().toString();
  EXPECT_FALSE((*created)["metadata"].value("uid", "").empty());

  auto dup = client().create(configMaps(), configMap("cm", "v1"));
  ASSERT_FALSE(dup);
  EXPECT_TRUE(dup.error().isAlreadyExists()) << dup.error().toString();
  EXPECT_NE(dup.error().message().find("already exists"), std::string::npos);

  auto got = client().get(configMaps().withName("cm"));
  ASSERT_TRUE(got) << got.error().toString();
  EXPECT_EQ((*got)["data"]["k"], "v1");

  auto merged = client().patch(configMaps().withName("cm"), PatchType::kMerge, json{{"data", {{"k", "v2"}}}});
  ASSERT_TRUE(merged) << merged.error().toString();
  EXPECT_EQ((*merged)["data"]["k"], "v2");
  auto jsonPatched = client().patch(configMaps().withName("cm"), PatchType::kJson,
                                    json::array({{{"op", "add"}, {"path", "/data/extra"}, {"value", "x"}}}));
  ASSERT_TRUE(jsonPatched) << jsonPatched.error().toString();
  EXPECT_EQ((*jsonPatched)["data"]["extra"], "x");

  // A stale resourceVersion on update is a conflict.
  json stale = *got;
  stale["data"]["k"] = "v3";
  auto conflict = client().update(configMaps().withName("cm"), stale);
  ASSERT_FALSE(conflict);
  EXPECT_TRUE(conflict.error().isConflict()) << conflict.error().toString();
  json fresh = *jsonPatched;
  fresh["data"]["k"] = "v3";
  auto updated = client().update(configMaps().withName("cm"), fresh);
  ASSERT_TRUE(updated) << updated.error().toString();
  EXPECT_EQ((*updated)["data"]["k"], "v3");

  // Delete with a wrong uid precondition fails; with the right one it works.
  auto wrongUid = client().remove(configMaps().withName("cm"), {.preconditionUid = "not-the-uid"});
  ASSERT_FALSE(wrongUid);
  EXPECT_TRUE(wrongUid.error().isConflict()) << wrongUid.error().toString();
  const std::string uid = (*created)["metadata"]["uid"];
  auto removed = client().remove(configMaps().withName("cm"), {.propagationPolicy = "Background", .preconditionUid = uid});
  ASSERT_TRUE(removed) << removed.error().toString();

  auto missing = client().get(configMaps().withName("cm"));
  ASSERT_FALSE(missing);
  EXPECT_TRUE(missing.error().isNotFound()) << missing.error().toString();
  EXPECT_TRUE(client().remove(configMaps().withName("cm")).error().isNotFound());
  EXPECT_TRUE(client().get(ResourcePath{.resource = "configmaps", .ns = ns_ + "-none"}.withName("x"))
                  .error().isNotFound());
}

TEST_F(KubeClientIT, ListPaginatesWithLimitAndSelectors) {
  for (int i = 0; i < 5; ++i) {
    auto r = client().create(configMaps(), configMap("cm-" + std::to_string(i), std::to_string(i)));
    ASSERT_TRUE(r) << r.error().toString();
  }
  ASSERT_TRUE(client().create(configMaps(), json{{"metadata", {{"name", "other"}}}}));

  auto page = client().list(configMaps(), {.labelSelector = "app=kube-it", .limit = 2});
  ASSERT_TRUE(page) << page.error().toString();
  EXPECT_EQ((*page)["items"].size(), 2u);
  EXPECT_FALSE((*page)["metadata"].value("continue", "").empty());

  auto all = client().listAll(configMaps(), {.labelSelector = "app=kube-it", .limit = 2});
  ASSERT_TRUE(all) << all.error().toString();
  ASSERT_EQ(all->items.size(), 5u);
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(all->items[static_cast<std::size_t>(i)]["metadata"]["name"], "cm-" + std::to_string(i));
  }
  EXPECT_FALSE(all->resourceVersion.empty());

  auto byField = client().listAll(configMaps(), {.fieldSelector = "metadata.name=cm-3"});
  ASSERT_TRUE(byField) << byField.error().toString();
  ASSERT_EQ(byField->items.size(), 1u);
  EXPECT_EQ(byField->items[0]["data"]["k"], "3");
}

TEST_F(KubeClientIT, WatchSeesPodAddedAndDeleted) {
  const ResourcePath pods{.resource = "pods", .ns = ns_};
  auto start = client().listAll(pods);
  ASSERT_TRUE(start) << start.error().toString();

  std::vector<std::string> seen;  // "TYPE name", written by the watch thread only
  Result<std::string> watched = std::string();
  std::thread watcher([&] {
    watched = watch(client(), pods, {.resourceVersion = start->resourceVersion, .timeoutSeconds = 30},
                    [&](const WatchEvent& ev) {
                      if (ev.type == WatchEventType::kBookmark) return true;
                      seen.push_back(std::string(watchEventTypeName(ev.type)) + " " +
                                     ev.object["metadata"].value("name", ""));
                      return ev.type != WatchEventType::kDeleted;
                    });
  });
  // No scheduler picks this pod (unknown schedulerName), so nothing else touches it.
  const json pod = {{"apiVersion", "v1"}, {"kind", "Pod"}, {"metadata", {{"name", "p"}}},
                    {"spec", {{"schedulerName", "kube-it-nobody"},
                              {"containers", json::array({{{"name", "c"}, {"image", "busybox"}}})}}}};
  auto created = client().create(pods, pod);
  auto removed = client().remove(pods.withName("p"), {.gracePeriodSeconds = 0});
  watcher.join();  // ends on DELETED, or after the watch's 30 s timeout
  ASSERT_TRUE(created) << created.error().toString();
  ASSERT_TRUE(removed) << removed.error().toString();

  ASSERT_TRUE(watched) << watched.error().toString();
  EXPECT_FALSE(watched->empty());
  ASSERT_GE(seen.size(), 2u);
  EXPECT_EQ(seen.front(), "ADDED p");
  EXPECT_EQ(seen.back(), "DELETED p");
}

TEST_F(KubeClientIT, FailedWatchRequestMapsLikeOtherRequests) {
  // The apiserver rejects a malformed selector with a 400 Status body on the watch itself.
  auto r = watch(client(), configMaps(), {.labelSelector = "app in (", .timeoutSeconds = 5},
                 [](const WatchEvent&) { return true; });
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().isInvalid()) << r.error().toString();
}

TEST_F(KubeClientIT, StatusSubresourceAndEvictionBlockedByBudget) {
  const ResourcePath pods{.resource = "pods", .ns = ns_};
  // Bound straight to a node nobody runs, then marked Running through the status
  // subresource, so that a PodDisruptionBudget applies to it (pending pods ignore budgets).
  const json pod = {{"apiVersion", "v1"}, {"kind", "Pod"},
                    {"metadata", {{"name", "p"}, {"labels", {{"app", "evict-me"}}}}},
                    {"spec", {{"nodeName", "kube-it-nowhere"},
                              {"containers", json::array({{{"name", "c"}, {"image", "busybox"}}})}}}};
  ASSERT_TRUE(client().create(pods, pod));
  auto running = client().patch(pods.withName("p", "status"), PatchType::kMerge,
                                json{{"status", {{"phase", "Running"}}}});
  ASSERT_TRUE(running) << running.error().toString();
  EXPECT_EQ((*running)["status"]["phase"], "Running");

  const ResourcePath pdbs{.group = "policy", .resource = "poddisruptionbudgets", .ns = ns_};
  auto pdb = client().create(pdbs, json{{"apiVersion", "policy/v1"}, {"kind", "PodDisruptionBudget"},
                                        {"metadata", {{"name", "keep-one"}}},
                                        {"spec", {{"minAvailable", 1},
                                                  {"selector", {{"matchLabels", {{"app", "evict-me"}}}}}}}});
  ASSERT_TRUE(pdb) << pdb.error().toString();
  const json eviction = {{"apiVersion", "policy/v1"}, {"kind", "Eviction"},
                         {"metadata", {{"name", "p"}, {"namespace", ns_}}},
                         {"deleteOptions", {{"gracePeriodSeconds", 0}}}};
  auto blocked = client().create(pods.withName("p", "eviction"), eviction);
  ASSERT_FALSE(blocked);
  EXPECT_TRUE(blocked.error().isThrottled()) << blocked.error().toString();
  EXPECT_NE(blocked.error().message().find("disruption budget"), std::string::npos) << blocked.error().message();

  ASSERT_TRUE(client().remove(pdbs.withName("keep-one")));
  auto evicted = client().create(pods.withName("p", "eviction"), eviction);
  ASSERT_TRUE(evicted) << evicted.error().toString();
  auto gone = client().get(pods.withName("p"));
  // Deleted at once (grace 0), or at least marked for deletion.
  if (gone) {
    EXPECT_TRUE((*gone)["metadata"].contains("deletionTimestamp")) << gone->dump();
  } else {
    EXPECT_TRUE(gone.error().isNotFound()) << gone.error().toString();
  }
}

// A RestConfig for the test cluster that authenticates with a bearer token only (the admin
// client certificate removed), so the token path is what the apiserver judges.
RestConfig tokenOnly(RestConfig cfg) {
  cfg.tls.clientCertData.clear();
  cfg.tls.clientKeyData.clear();
  cfg.tls.clientCertFile.clear();
  cfg.tls.clientKeyFile.clear();
  return cfg;
}

class KubeTokenIT : public KubeClientIT {
 protected:
  void SetUp() override {
    KubeClientIT::SetUp();
    if (HasFatalFailure()) return;
    // A service account with no RBAC: its token authenticates but may do nothing.
    const ResourcePath sas{.resource = "serviceaccounts", .ns = ns_};
    ASSERT_TRUE(client().create(sas, json{{"metadata", {{"name", "nobody"}}}}));
    auto tr = client().create(sas.withName("nobody", "token"),
                              json{{"apiVersion", "authentication.k8s.io/v1"}, {"kind", "TokenRequest"},
                                   {"spec", {{"expirationSeconds", 600}}}});
    ASSERT_TRUE(tr) << tr.error().toString();
    token_ = (*tr)["status"].value("token", "");
    ASSERT_FALSE(token_.empty());
    auto cfg = loadKubeconfigFile(env().kubeconfig());
    ASSERT_TRUE(cfg);
    base_ = tokenOnly(*cfg);
    dir_ = std::filesystem::temp_directory_path() / ("kube-it-" + ns_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override {
    std::filesystem::remove_all(dir_);
    KubeClientIT::TearDown();
  }
  // GET the namespace's ConfigMaps with `cfg`: Forbidden proves the token was accepted.
  Status probe(const RestConfig& cfg) {
    auto conn = connect(cfg, clock_);
    if (!conn) return conn.error();
    auto r = conn->client->get(configMaps());
    return r ? Status::ok() : r.error();
  }

  std::string token_;
  RestConfig base_;
  std::filesystem::path dir_;
};

TEST_F(KubeTokenIT, TokenFileAuthenticatesAndRbacMapsToForbidden) {
  const auto path = (dir_ / "token").string();
  std::ofstream(path) << token_ << "\n";
  RestConfig cfg = base_;
  cfg.tokenFile = path;
  Status st = probe(cfg);
  EXPECT_TRUE(st.isForbidden()) << st.toString();
  EXPECT_NE(st.message().find("system:serviceaccount:" + ns_ + ":nobody"), std::string::npos) << st.message();
}

TEST_F(KubeTokenIT, BadTokenIsUnauthorized) {
  RestConfig cfg = base_;
  cfg.token = "not-a-token";
  Status st = probe(cfg);
  EXPECT_TRUE(st.isUnauthorized()) << st.toString();
}

TEST_F(KubeTokenIT, ExecPluginTokenAuthenticates) {
  // A plugin in the shape of `aws eks get-token`: prints an ExecCredential with a token.
  const auto script = (dir_ / "get-token.sh").string();
  std::ofstream(script) << "#!/bin/sh\nprintf '{\"apiVersion\":\"client.authentication.k8s.io/v1beta1\","
                           "\"kind\":\"ExecCredential\",\"status\":{\"token\":\"%s\","
                           "\"expirationTimestamp\":\"2999-01-01T00:00:00Z\"}}' \"$TOKEN\"\n";
  std::filesystem::permissions(script, std::filesystem::perms::owner_all);
  RestConfig cfg = base_;
  cfg.exec = ExecConfig{.command = script, .env = {{"TOKEN", token_}}};
  Status st = probe(cfg);
  EXPECT_TRUE(st.isForbidden()) << st.toString();
}

}  // namespace
}  // namespace gantry::kube
