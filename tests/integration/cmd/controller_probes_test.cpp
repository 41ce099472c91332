// The controller's probes: /healthz answers while the process runs; /readyz is 200 only once
// the caches have synced and the leader-election state is known (we lead, or as a standby we
// have seen who does; synced alone without --leader-elect), and 503 before that and from the
// stop signal on.
#include <gtest/gtest.h>

#include <functional>
#include <future>
#include <sstream>
#include <thread>

#include "tests/integration/cmd/controller_fixture.h"
#include "tests/support/silent_listener.h"

namespace gantry::testing {
namespace {

using ControllerProbesTest = ControllerProcessTest;

// Asks until the answer is `status` or `timeout` passes.
bool probeBecomes(const std::function<int()>& ask, int status, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (ask() == status) return true;
    std::this_thread::sleep_for(100ms);
  }
  return ask() == status;
}

TEST_F(ControllerProbesTest, NotReadyWhileTheCacheCannotSyncButAlive) {
  SilentListener apiserver;
  auto& controller = start("controller", {"--catalog", "bundled"}, kubeconfigFor(apiserver.url(), "t0ken-value"));
  ASSERT_TRUE(controller.waitFor("waiting for the cluster cache to sync", 10s)) << controller.output();
  EXPECT_EQ(probe("controller", "/healthz"), 200);
  EXPECT_EQ(probe("controller", "/readyz"), 503);
  EXPECT_EQ(probe("controller", "/nothing"), 404);
}

TEST_F(ControllerProbesTest, ReadyOnceSyncedWithoutLeaderElectionAndNotOnceStopping) {
  // A silent EC2 holds it in the catalog load after the sync, so the stop takes long enough
  // (the 1 s grace) to watch /readyz turn 503 while the process still serves it.
  SilentListener ec2;
  auto& controller = start("controller", {"--catalog", "live", "--ec2-endpoint", ec2.url(), "--pricing-endpoint",
                                          ec2.url(), "--ssm-endpoint", ec2.url()});
  ASSERT_TRUE(controller.waitFor("synced cluster cache", 30s)) << controller.output();
  EXPECT_TRUE(probeBecomes([&] { return probe("controller", "/readyz"); }, 200, 5s));
  EXPECT_EQ(probe("controller", "/healthz"), 200);
  auto stopping = std::async(std::launch::async, [&] { return stop(controller); });
  EXPECT_TRUE(probeBecomes([&] { return probe("controller", "/readyz"); }, 503, 800ms))
      << controller.output();
  EXPECT_EQ(stopping.get().exitCode, 0) << controller.output();
}

TEST_F(ControllerProbesTest, WithLeaderElectionReadyAsLeaderAndAsAStandbyThatKnowsTheLeader) {
  const kube::ResourcePath lease{.group = "coordination.k8s.io", .resource = "leases", .ns = "default", .name = run_};
  const std::vector<std::string> elect = {"--catalog", "bundled", "--leader-elect", "--leader-elect-namespace",
                                          "default", "--leader-elect-name", run_};
  auto& leader = start("leader", elect);
  ASSERT_TRUE(leader.waitFor("started leading", 60s)) << leader.output();
  EXPECT_TRUE(probeBecomes([&] { return probe("leader", "/readyz"); }, 200, 5s));
  auto& standby = start("standby", elect);
  ASSERT_TRUE(standby.waitFor("observed new leader", 60s)) << standby.output();
  EXPECT_TRUE(probeBecomes([&] { return probe("standby", "/readyz"); }, 200, 5s))
      << standby.output();
  EXPECT_EQ(standby.output().find("started leading"), std::string::npos);
  EXPECT_EQ(stop(standby).exitCode, 0);
  EXPECT_EQ(stop(leader).exitCode, 0);
  (void)client().remove(lease);
}

TEST_F(ControllerProbesTest, WithLeaderElectionNotReadyWhileTheElectionStateIsUnknown) {
  // The cache syncs through the admin kubeconfig, but the Lease's namespace does not exist,
  // so the elector never reads or writes a Lease: synced, yet the election state is unknown.
  auto& controller = start("controller", {"--catalog", "bundled", "--leader-elect", "--leader-elect-namespace",
                                          run_ + "-missing", "--leader-elect-name", run_});
  ASSERT_TRUE(controller.waitFor("acquire lease failed", 60s)) << controller.output();
  EXPECT_EQ(probe("controller", "/readyz"), 503);
  EXPECT_EQ(probe("controller", "/healthz"), 200);
  EXPECT_EQ(stop(controller).exitCode, 0);
}

}  // namespace
}  // namespace gantry::testing
