// Integration and e2e tests find the real peers (kube-apiserver, moto, the fault layer)
// through the env file that tests/testenv/up writes. TestEnv reads it; TestEnvTest is the
// gtest fixture that FAILS (never skips) when the environment is not up, so a missing
// environment can never pass as green. Header-only; see tests/testenv/README.md.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace gantry::testing {

class TestEnv {
 public:
  // $GANTRY_TESTENV_DIR/env if that variable is set, else $HOME/.cache/gantry/testenv/run/env.
  static std::string defaultPath() {
    if (const char* dir = std::getenv("GANTRY_TESTENV_DIR"); dir != nullptr && *dir != '\0') {
      return std::string(dir) + "/env";
    }
    const char* home = std::getenv("HOME");
    return std::string(home != nullptr ? home : "") + "/.cache/gantry/testenv/run/env";
  }

  // Reads `path`. Returns nullopt if the file cannot be opened. Lines of the form
  // `export KEY='value'` (quotes optional, single or double) are kept; others are ignored.
  static std::optional<TestEnv> load(const std::string& path = defaultPath()) {
    std::ifstream in(path);
    if (!in) return std::nullopt;
    TestEnv env;
    env.path_ = path;
    std::string line;
    while (std::getline(in, line)) {
      constexpr std::string_view kExport = "export ";
      if (!line.starts_with(kExport)) continue;
      const auto eq = line.find('=');
      if (eq == std::string::npos) continue;
      std::string value = line.substr(eq + 1);
      if (value.size() >= 2 && (value.front() == '\'' || value.front() == '"') &&
          value.back() == value.front()) {
        value = value.substr(1, value.size() - 2);
      }
      env.vars_[line.substr(kExport.size(), eq - kExport.size())] = std::move(value);
    }
    return env;
  }

  // The value exported as `key`, or "" if the file has none.
  const std::string& get(const std::string& key) const {
    static const std::string kEmpty;
    const auto it = vars_.find(key);
    return it == vars_.end() ? kEmpty : it->second;
  }
  bool has(const std::string& key) const { return vars_.contains(key); }
  const std::map<std::string, std::string>& vars() const { return vars_; }
  const std::string& path() const { return path_; }

  // Admin kubeconfig (client certificate, CA embedded) for the test cluster.
  const std::string& kubeconfig() const { return get("KUBECONFIG"); }
  // moto + fault layer; also serves the Pricing API (GetProducts).
  const std::string& ec2Endpoint() const { return get("GANTRY_EC2_ENDPOINT"); }
  // moto's SQS (same server as EC2) and the interruption queue's name (README: "Interruption
  // queue"); empty in an environment started by an older checkout.
  const std::string& sqsEndpoint() const { return get("GANTRY_SQS_ENDPOINT"); }
  const std::string& interruptionQueue() const { return get("GANTRY_INTERRUPTION_QUEUE"); }
  // The fault table's control API (README: "Fault table API").
  const std::string& faultsEndpoint() const { return get("GANTRY_FAULTS_ENDPOINT"); }
  const std::string& accessKeyId() const { return get("AWS_ACCESS_KEY_ID"); }
  const std::string& secretAccessKey() const { return get("AWS_SECRET_ACCESS_KEY"); }
  const std::string& region() const { return get("AWS_REGION"); }
  const std::string& clusterName() const { return get("GANTRY_CLUSTER_NAME"); }

 private:
  std::string path_;
  std::map<std::string, std::string> vars_;
};

// Fixture for tests that need the running environment. SetUp fails the test (a fatal
// failure: the body does not run) if the env file is missing or lacks a peer's address.
class TestEnvTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto loaded = TestEnv::load();
    if (!loaded) {
      GTEST_FAIL() << "no test environment: " << TestEnv::defaultPath()
                   << " is missing; start it with tests/testenv/up";
    }
    for (const char* key : {"KUBECONFIG", "GANTRY_EC2_ENDPOINT", "GANTRY_FAULTS_ENDPOINT",
                            "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION",
                            "GANTRY_CLUSTER_NAME"}) {
      if (loaded->get(key).empty()) {
        GTEST_FAIL() << loaded->path() << " has no " << key << "; restart tests/testenv/up";
      }
    }
    env_ = std::move(*loaded);
  }

  const TestEnv& env() const { return env_; }

 private:
  TestEnv env_;
};

}  // namespace gantry::testing
