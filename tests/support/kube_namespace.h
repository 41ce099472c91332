// The SetUp every Kubernetes integration test repeats: load the test env's kubeconfig,
// connect, create a namespace unique to this run (pid + random), delete it in TearDown.
// Header-only; derive from KubeNamespaceTest instead of TestEnvTest.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <utility>

#include "src/common/clock.h"
#include "src/kube/kubeconfig.h"
#include "src/kube/rest_client.h"
#include "tests/support/testenv.h"

namespace gantry::testing {

// Fixture base: after SetUp, client() talks to the test cluster as admin and ns() exists.
// A fatal failure in SetUp (no env, no apiserver) stops the test before its body. TearDown
// deletes the namespace (best effort: the apiserver finishes it asynchronously).
class KubeNamespaceTest : public TestEnvTest {
 protected:
  // `prefix` starts the namespace name ("kube-it" -> "kube-it-<pid>-<random>").
  explicit KubeNamespaceTest(std::string prefix, kube::RestClientOptions options = {})
      : prefix_(std::move(prefix)), options_(std::move(options)) {}

  void SetUp() override {
    TestEnvTest::SetUp();
    if (HasFatalFailure()) return;
    auto cfg = kube::loadKubeconfigFile(env().kubeconfig());
    ASSERT_TRUE(cfg) << cfg.error().toString();
    config_ = *cfg;
    auto conn = kube::connect(config_, clock_, options_);
    ASSERT_TRUE(conn) << conn.error().toString();
    conn_ = std::move(*conn);
    std::mt19937_64 rng(std::random_device{}());
    ns_ = prefix_ + "-" + std::to_string(::getpid()) + "-" + std::to_string(rng() % 100000);
    auto created = client().create(kNamespaces, nlohmann::json{{"metadata", {{"name", ns_}}}});
    ASSERT_TRUE(created) << created.error().toString();
  }
  void TearDown() override {
    if (conn_.client && !ns_.empty()) (void)client().remove(kNamespaces.withName(ns_));
  }

  // Pods need the namespace's default ServiceAccount, which the controller-manager makes a
  // moment later (later still just after an apiserver restart): make it now. Idempotent.
  void createDefaultServiceAccount() {
    auto sa = client().create({.resource = "serviceaccounts", .ns = ns_},
                              nlohmann::json{{"metadata", {{"name", "default"}}}});
    ASSERT_TRUE(sa || sa.error().isAlreadyExists()) << sa.error().toString();
  }

  kube::RestClient& client() { return *conn_.client; }
  const std::string& ns() const { return ns_; }
  const kube::RestConfig& config() const { return config_; }

  static inline const kube::ResourcePath kNamespaces{.resource = "namespaces"};
  RealClock clock_;
  kube::RestConfig config_;
  kube::Connection conn_;
  std::string ns_;

 private:
  std::string prefix_;
  kube::RestClientOptions options_;
};

}  // namespace gantry::testing
