// What the `gantry controller` process tests share: a fixture over the test environment that
// starts the real binary with probes on a loopback port of its own, asks the probes, and
// stops it with SIGTERM, measuring how long it took. Tests only.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "src/http/curl_http_client.h"
#include "src/kube/kubeconfig.h"
#include "src/kube/rest_client.h"
#include "tests/e2e/controller_process.h"
#include "tests/support/gantry_crds.h"
#include "tests/support/free_port.h"
#include "tests/support/testenv.h"

namespace gantry::testing {

using namespace std::chrono_literals;

// How a SIGTERM ended the controller.
struct StopResult {
  int exitCode = -1;  // -1: still running after the wait (then killed), or killed by a signal
  double seconds = 0;
};

class ControllerProcessTest : public TestEnvTest {
 protected:
  void SetUp() override {
    TestEnvTest::SetUp();
    if (HasFatalFailure()) return;
    std::mt19937_64 rng{std::random_device{}()};
    run_ = "it-ctl-" + std::to_string(rng() % 1000000);
    auto cfg = kube::loadKubeconfigFile(env().kubeconfig());
    ASSERT_TRUE(cfg) << cfg.error().message();
    auto conn = kube::connect(*cfg, clock_);
    ASSERT_TRUE(conn) << conn.error().message();
    conn_ = std::move(*conn);
    ASSERT_NO_FATAL_FAILURE(installGantryCrdsIfMissing(*conn_.client));
  }

  void TearDown() override {
    for (auto& [name, process] : processes_) {
      if (process->running()) (void)process->terminate(15s);
      if (HasFailure()) std::printf("--- %s output ---\n%s\n", name.c_str(), process->output().c_str());
    }
  }

  // Starts `gantry controller` scoped to this run (cluster name, an empty namespace's pods, a
  // NodePool selector no pool has) with its probes on a free loopback port, AWS pointed at
  // the environment's moto unless `extra` says otherwise. Returns the process; `name` labels
  // it in failure output.
  ControllerProcess& start(const std::string& name, const std::vector<std::string>& extra,
                           const std::string& kubeconfig = "") {
    healthPorts_[name] = freeLoopbackPort();
    std::vector<std::string> args = {
        "controller", "--cluster-name", run_, "--region", env().region(), "--kubeconfig",
        kubeconfig.empty() ? env().kubeconfig() : kubeconfig, "--namespace", run_,
        "--nodepool-selector", "it-run=" + run_, "--metrics-bind-address", "127.0.0.1:0",
        "--health-bind-address", "127.0.0.1:" + std::to_string(healthPorts_[name])};
    for (const std::string flag : {"--ec2-endpoint", "--pricing-endpoint", "--ssm-endpoint"}) {
      if (std::find(extra.begin(), extra.end(), flag) == extra.end()) {
        args.insert(args.end(), {flag, flag == "--pricing-endpoint" ? env().get("GANTRY_PRICING_ENDPOINT")
                                                                    : env().ec2Endpoint()});
      }
    }
    args.insert(args.end(), extra.begin(), extra.end());
    auto process = std::make_unique<ControllerProcess>();
    const std::map<std::string, std::string> childEnv = {{"AWS_ACCESS_KEY_ID", env().accessKeyId()},
                                                         {"AWS_SECRET_ACCESS_KEY", env().secretAccessKey()},
                                                         {"AWS_REGION", env().region()},
                                                         // The env file names the shared
                                                         // interruption queue; not read here.
                                                         {"GANTRY_INTERRUPTION_QUEUE", ""}};
    EXPECT_TRUE(process->start(GANTRY_BINARY, args, childEnv));
    ControllerProcess& out = *process;
    processes_[name] = std::move(process);
    return out;
  }

  // The HTTP status of GET <path> on `name`'s health address; -1 when nothing answers.
  int probe(const std::string& name, const std::string& path) {
    auto r = http_.send({.url = "http://127.0.0.1:" + std::to_string(healthPorts_[name]) + path, .timeout = 2s});
    return r ? r->status : -1;
  }

  // SIGTERM, then the exit code and the seconds until the process was gone (15 s at most).
  static StopResult stop(ControllerProcess& process) {
    const auto start = std::chrono::steady_clock::now();
    const int code = process.terminate(15s);
    return {code, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count()};
  }

  // A kubeconfig whose apiserver is `server`, with a bearer token, written to a temp file.
  std::string kubeconfigFor(const std::string& server, const std::string& token) {
    const std::string path = ::testing::TempDir() + run_ + "-silent.kubeconfig";
    std::ofstream(path) << "apiVersion: v1\nkind: Config\ncurrent-context: c\n"
                           "clusters:\n- name: c\n  cluster:\n    server: " << server << "\n"
                           "users:\n- name: u\n  user:\n    token: " << token << "\n"
                           "contexts:\n- name: c\n  context:\n    cluster: c\n    user: u\n";
    return path;
  }

  kube::RestClient& client() { return *conn_.client; }

  RealClock clock_;
  http::CurlHttpClient http_;
  kube::Connection conn_;
  std::string run_;
  std::map<std::string, int> healthPorts_;
  std::map<std::string, std::unique_ptr<ControllerProcess>> processes_;
};

}  // namespace gantry::testing
