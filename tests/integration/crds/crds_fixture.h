// Shared set-up of the CRD integration tests: a client for the test cluster, the three
// gantry.dev CRDs installed from deploy/crds (created, or replaced when present, then waited
// on until Established), the deploy/examples objects, unique names, and clean-up of every
// object a test made. The CRDs themselves stay installed: other suites need them.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "src/common/clock.h"
#include "src/kube/kubeconfig.h"
#include "src/kube/rest_client.h"
#include "src/workload/manifest_loader.h"
#include "tests/support/testenv.h"

namespace gantry::crds_it {

using kube::ResourcePath;
using nlohmann::json;

inline const ResourcePath kCrds{.group = "apiextensions.k8s.io",
                                .resource = "customresourcedefinitions"};
inline const ResourcePath kNodePools{.group = "gantry.dev", .resource = "nodepools"};
inline const ResourcePath kNodeClaims{.group = "gantry.dev", .resource = "nodeclaims"};
inline const ResourcePath kNodeClasses{.group = "gantry.dev", .resource = "ec2nodeclasses"};

inline std::string sourcePath(const std::string& rel) {
  return std::string(GANTRY_SOURCE_DIR) + "/" + rel;
}

// Every YAML document of one file, as JSON.
inline std::vector<json> loadFile(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::stringstream text;
  text << in.rdbuf();
  auto docs = workload::parseDocuments(text.str());
  EXPECT_TRUE(docs) << file << ": " << docs.error().toString();
  return docs ? *docs : std::vector<json>{};
}

// Every YAML document of every file in `dir` (sorted), as JSON.
inline std::vector<json> loadDir(const std::string& dir) {
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.path().extension() == ".yaml") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  std::vector<json> out;
  for (const auto& f : files) {
    std::vector<json> docs = loadFile(f);
    out.insert(out.end(), docs.begin(), docs.end());
  }
  return out;
}

class CrdIT : public testing::TestEnvTest {
 protected:
  void SetUp() override {
    TestEnvTest::SetUp();
    if (HasFatalFailure()) return;
    auto cfg = kube::loadKubeconfigFile(env().kubeconfig());
    ASSERT_TRUE(cfg) << cfg.error().toString();
    auto conn = kube::connect(*cfg, clock_, {.qps = 50, .burst = 100});
    ASSERT_TRUE(conn) << conn.error().toString();
    conn_ = std::move(*conn);
    std::mt19937_64 rng(std::random_device{}());
    suffix_ = std::to_string(::getpid()) + "-" + std::to_string(rng() % 100000);
    ASSERT_NO_FATAL_FAILURE(installCrds());
  }

  void TearDown() override {
    if (!conn_.client) return;
    for (auto it = created_.rbegin(); it != created_.rend(); ++it) (void)client().remove(*it);
  }

  kube::RestClient& client() { return *conn_.client; }
  // A cluster-unique name for this test run.
  std::string unique(const std::string& base) const { return "crds-it-" + base + "-" + suffix_; }

  // Creates `object` at `collection` and remembers it for deletion.
  Result<json> create(const ResourcePath& collection, const json& object) {
    auto out = client().create(collection, object);
    if (out) created_.push_back(collection.withName((*out)["metadata"]["name"].get<std::string>()));
    return out;
  }

  // Creates each CRD, or replaces the stored one (keeping its resourceVersion) when present;
  // retried on conflicts, since other suites install the same CRDs. Then waits for
  // Established and NamesAccepted.
  void installCrds() {
    std::vector<json> crds = loadDir(sourcePath("deploy/crds"));
    ASSERT_EQ(crds.size(), 3u);
    for (const json& crd : crds) {
      const std::string name = crd["metadata"]["name"];
      bool done = false;
      for (int attempt = 0; attempt < 5 && !done; ++attempt) {
        auto made = client().create(kCrds, crd);
        if (made) {
          done = true;
          break;
        }
        ASSERT_TRUE(made.error().isAlreadyExists()) << made.error().toString();
        auto stored = client().get(kCrds.withName(name));
        if (!stored) continue;
        json replacement = crd;
        replacement["metadata"]["resourceVersion"] = (*stored)["metadata"]["resourceVersion"];
        auto updated = client().update(kCrds.withName(name), replacement);
        if (updated) {
          done = true;
          break;
        }
        ASSERT_TRUE(updated.error().isConflict()) << updated.error().toString();
      }
      ASSERT_TRUE(done) << "could not install " << name;
    }
    for (const json& crd : crds) ASSERT_NO_FATAL_FAILURE(waitEstablished(crd["metadata"]["name"]));
  }

  void waitEstablished(const std::string& name) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (std::chrono::steady_clock::now() < deadline) {
      auto crd = client().get(kCrds.withName(name));
      ASSERT_TRUE(crd) << crd.error().toString();
      int good = 0;
      for (const json& c : (*crd)["status"].value("conditions", json::array())) {
        if ((c["type"] == "Established" || c["type"] == "NamesAccepted") && c["status"] == "True")
          ++good;
      }
      if (good == 2) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    FAIL() << name << " not Established within 30s";
  }

  // Runs kubectl against the test cluster; returns its stdout (stderr folded in).
  std::string kubectl(const std::string& args) {
    const std::string cmd = "KUBECONFIG='" + env().kubeconfig() + "' '" +
                            env().get("GANTRY_TESTENV_BIN") + "/kubectl' " + args + " 2>&1";
    std::string out;
    FILE* p = ::popen(cmd.c_str(), "r");
    if (p == nullptr) return out;
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
    ::pclose(p);
    return out;
  }

  RealClock clock_;
  kube::Connection conn_;
  std::string suffix_;
  std::vector<ResourcePath> created_;
};

}  // namespace gantry::crds_it
