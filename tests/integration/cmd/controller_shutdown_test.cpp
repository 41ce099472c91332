// `gantry controller` stops within 10 s of SIGTERM, exit 0, whatever its peers do: blocked on
// an apiserver that accepts connections and never answers (a user saw 149 s), blocked loading
// the live catalog from an EC2 that never answers, and as the Lease holder, which hands the
// Lease over (holderIdentity cleared) so a standby takes over at once instead of after the
// 15 s lease duration. Each test prints the measured stop time.
#include <gtest/gtest.h>

#include <functional>
#include <future>
#include <sstream>
#include <thread>

#include "tests/integration/cmd/controller_fixture.h"
#include "tests/support/silent_listener.h"

namespace gantry::testing {
namespace {

constexpr double kBudgetSeconds = 10;

void expectCleanStop(const StopResult& stopped, ControllerProcess& process, const char* what) {
  std::printf("[ measured ] %s: SIGTERM to exit %.2f s, exit code %d\n", what, stopped.seconds, stopped.exitCode);
  ::testing::Test::RecordProperty(std::string(what) + "_stop_seconds", std::to_string(stopped.seconds));
  EXPECT_EQ(stopped.exitCode, 0) << process.output();
  EXPECT_LT(stopped.seconds, kBudgetSeconds) << process.output();
  const std::string out = process.output();
  EXPECT_NE(out.find("stopped controller exit_code=0"), std::string::npos) << "no orderly stop:\n" << out;
  EXPECT_EQ(out.find("overran its deadline"), std::string::npos) << "the watchdog, not the stop, ended it:\n" << out;
}

// Lines after the stop began that show a loop trying again (the AWS transport's and the
// informers' "retrying ...") or a call abandoned for shutdown reported as a failure.
std::vector<std::string> retriesAfterTheSignal(const std::string& output) {
  std::vector<std::string> out;
  const auto began = output.find("shutting down reason=SIGTERM");
  if (began == std::string::npos) return {"no 'shutting down' line"};
  std::istringstream lines(output.substr(began));
  for (std::string line; std::getline(lines, line);) {
    if (line.find("retrying") != std::string::npos || line.find(" warning [") != std::string::npos ||
        line.find(" error [") != std::string::npos) {
      out.push_back(line);
    }
  }
  return out;
}

using ControllerShutdownTest = ControllerProcessTest;

TEST_F(ControllerShutdownTest, StopsWithinTenSecondsWhileTheApiserverNeverAnswers) {
  SilentListener apiserver;
  ASSERT_NE(apiserver.port(), 0);
  auto& controller = start("controller", {"--catalog", "bundled", "--log-level", "debug"},
                           kubeconfigFor(apiserver.url(), "silent-apiserver-token"));
  // Blocked in its lists: still not synced after a second and more.
  ASSERT_TRUE(controller.waitFor("waiting for the cluster cache to sync", 10s)) << controller.output();
  std::this_thread::sleep_for(500ms);
  ASSERT_TRUE(controller.running()) << controller.output();
  expectCleanStop(stop(controller), controller, "silent_apiserver");
  EXPECT_EQ(retriesAfterTheSignal(controller.output()), std::vector<std::string>{});
}

TEST_F(ControllerShutdownTest, StopsWithinTenSecondsWhileLoadingTheLiveCatalogFromASilentEc2) {
  SilentListener ec2;
  ASSERT_NE(ec2.port(), 0);
  auto& controller = start("controller", {"--catalog", "live", "--log-level", "debug", "--ec2-endpoint", ec2.url(),
                                          "--pricing-endpoint", ec2.url(), "--ssm-endpoint", ec2.url()});
  ASSERT_TRUE(controller.waitFor("synced cluster cache", 30s)) << controller.output();
  // Now in cloud.instanceTypes(): its first EC2 call hangs on the silent endpoint.
  std::this_thread::sleep_for(1500ms);
  ASSERT_TRUE(controller.running()) << controller.output();
  EXPECT_EQ(controller.output().find("loaded instance types"), std::string::npos) << controller.output();
  expectCleanStop(stop(controller), controller, "silent_ec2_live_catalog");
  EXPECT_EQ(retriesAfterTheSignal(controller.output()), std::vector<std::string>{});
}

TEST_F(ControllerShutdownTest, TheLeaderReleasesTheLeaseAndAStandbyTakesOverAtOnce) {
  const kube::ResourcePath lease{.group = "coordination.k8s.io", .resource = "leases", .ns = "default", .name = run_};
  const std::vector<std::string> elect = {"--catalog", "bundled", "--leader-elect", "--leader-elect-namespace",
                                          "default", "--leader-elect-name", run_};
  auto& leader = start("leader", elect);
  ASSERT_TRUE(leader.waitFor("started leading", 60s)) << leader.output();
  auto& standby = start("standby", elect);
  ASSERT_TRUE(standby.waitFor("observed new leader", 60s)) << standby.output();
  ASSERT_EQ(standby.output().find("started leading"), std::string::npos);
  auto held = client().get(lease);
  ASSERT_TRUE(held) << held.error().message();
  const std::string leaderIdentity = (*held)["spec"].value("holderIdentity", "");
  ASSERT_FALSE(leaderIdentity.empty());

  const auto signalled = std::chrono::system_clock::now();
  expectCleanStop(stop(leader), leader, "leader");
  EXPECT_NE(leader.output().find("released lease"), std::string::npos) << leader.output();
  // The hand-over: the standby leads long before the old leader's 15 s lease would expire.
  auto took = standby.waitFor("started leading", 8s);
  ASSERT_TRUE(took) << standby.output();
  const double handover = std::chrono::duration<double>(took->at - signalled).count();
  std::printf("[ measured ] leader SIGTERM to standby leading: %.2f s\n", handover);
  EXPECT_LT(handover, 8.0);
  auto now = client().get(lease);
  ASSERT_TRUE(now) << now.error().message();
  EXPECT_NE((*now)["spec"].value("holderIdentity", ""), leaderIdentity);
  EXPECT_GE((*now)["spec"].value("leaseTransitions", 0), 1);

  // The standby, now leading, releases it too: the Lease is left with no holder at all.
  expectCleanStop(stop(standby), standby, "second_leader");
  auto released = client().get(lease);
  ASSERT_TRUE(released) << released.error().message();
  EXPECT_EQ((*released)["spec"].value("holderIdentity", ""), "") << released->dump();
  EXPECT_EQ((*released)["spec"].value("leaseDurationSeconds", 0), 1) << released->dump();
  (void)client().remove(lease);
}

}  // namespace
}  // namespace gantry::testing
