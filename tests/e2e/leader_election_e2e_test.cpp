// Two replicas of `gantry controller`, as the chart's Deployment runs them (its args with
// --leader-elect, in-cluster, one Lease in the service account's namespace, distinct
// metrics and health ports): exactly one leads, the Lease names it and `gantry_leader` says
// so on both replicas' /metrics (1 and 0). When the leader is SIGKILLed (no Lease release, as
// when its node dies), the standby takes over once the Lease expires and provisions a GPU pod
// that went pending meanwhile: the pod Running on a new node, exactly one instance launched.
// The leader-election timings are the chart's (the binary's defaults: Lease 15 s, retry 2 s;
// src/kube/leader_elector.h; there is no flag to shorten them), so the test waits them out.
#include <unistd.h>

#include "tests/e2e/e2e_fixture.h"

namespace gantry::e2e {
namespace {

constexpr auto kLeaseDuration = 15s;  // LeaderElectionConfig's defaults, which the chart keeps
constexpr auto kRetryPeriod = 2s;

class LeaderElectionE2eTest : public GantryE2eTest {
 protected:
  void SetUp() override {
    GantryE2eTest::SetUp();
    if (HasFatalFailure()) return;
    ASSERT_NO_FATAL_FAILURE(createNodeClass(run_, /*registers=*/true));
    ASSERT_NO_FATAL_FAILURE(createNodePool(run_, run_, {"g4dn.xlarge"}, {{"nvidia.com/gpu", "4"}}));
  }

  void TearDown() override {
    if (standby_) {
      (void)standby_->terminate(10s);
      if (HasFailure()) std::printf("--- second replica output ---\n%s\n", standby_->output().c_str());
    }
    GantryE2eTest::TearDown();
  }

  // The identity a replica writes into the Lease: hostname_pid (controller_command.cpp).
  static std::string identityOf(const testing::ControllerProcess& p) {
    char host[256] = {};
    ::gethostname(host, sizeof host - 1);
    return std::string(host) + "_" + std::to_string(p.pid());
  }

  std::string leaseHolder() {
    auto lease = client().get(leasePath());
    return lease ? (*lease)["spec"].value("holderIdentity", "") : "";
  }

  std::unique_ptr<testing::ControllerProcess> standby_;  // the second replica
  int standbyMetricsPort_ = 0;
};

TEST_F(LeaderElectionE2eTest, OneOfTwoReplicasLeadsAndTheOtherTakesOverWhenItIsKilled) {
  ASSERT_NO_FATAL_FAILURE(startController());  // replica A; the chart's args have --leader-elect
  int standbyHealthPort = 0;
  standby_ = launchController({}, {}, standbyMetricsPort_, standbyHealthPort);
  ASSERT_TRUE(standby_);
  ASSERT_TRUE(standby_->waitFor("loaded instance types", 180s)) << standby_->output();
  ASSERT_NE(metricsPort_, standbyMetricsPort_);

  // Exactly one leads: A got the fresh Lease first. Two retry periods later B still waits.
  ASSERT_TRUE(controller_->waitFor("started leading", 30s)) << controller_->output();
  std::this_thread::sleep_for(2 * kRetryPeriod);
  EXPECT_FALSE(standby_->waitFor("started leading", 0ms)) << standby_->output();
  const std::string leaderId = identityOf(*controller_), standbyId = identityOf(*standby_);
  EXPECT_EQ(leaseHolder(), leaderId);
  EXPECT_TRUE(eventually([&] { return metricValue("gantry_leader", {}) == 1; }, 5s)) << metricsText();
  EXPECT_EQ(metricValue("gantry_leader", {}, standbyMetricsPort_), 0) << metricsText(standbyMetricsPort_);
  ASSERT_NE(metricsText(standbyMetricsPort_).find("gantry_leader 0"), std::string::npos);

  // The leader dies without releasing the Lease; a GPU pod goes pending while nobody leads.
  const auto killedAt = std::chrono::system_clock::now();
  ASSERT_TRUE(controller_->kill());
  ASSERT_NO_FATAL_FAILURE(createPod("after-failover", 1));

  auto took = standby_->waitFor("started leading", kLeaseDuration + 3 * kRetryPeriod + 10s);
  ASSERT_TRUE(took) << standby_->output();
  const long long takeoverMs = msBetween(killedAt, took->at);
  // The standby counts the Lease duration from when it saw the last renewal (it polls every
  // retry period, so up to one late), and tries again every retry period: it takes over
  // between leaseDuration - retryPeriod and leaseDuration + 2 * retryPeriod after the kill
  // (plus a second for the calls). Sooner would mean it did not honour the Lease.
  EXPECT_GE(takeoverMs, std::chrono::milliseconds(kLeaseDuration - kRetryPeriod).count());
  EXPECT_LE(takeoverMs, std::chrono::milliseconds(kLeaseDuration + 2 * kRetryPeriod + 1s).count());
  EXPECT_TRUE(eventually([&] { return leaseHolder() == standbyId; }, 5s)) << leaseHolder();
  EXPECT_TRUE(eventually([&] { return metricValue("gantry_leader", {}, standbyMetricsPort_) == 1; }, 5s))
      << metricsText(standbyMetricsPort_);

  // The new leader provisions the pod: Running on a new node, one instance launched for it.
  std::string nodeName;
  const bool running = eventually(
      [&] {
        auto pod = client().get(kube::ResourcePath{.resource = "pods", .ns = run_}.withName("after-failover"));
        if (!pod || (*pod)["status"].value("phase", "") != "Running") return false;
        nodeName = (*pod)["spec"].value("nodeName", "");
        return true;
      },
      90s);
  const auto runningAt = std::chrono::system_clock::now();
  ASSERT_TRUE(running) << standby_->output();
  auto launched = provider_->list();  // every instance of this run, terminated ones included
  ASSERT_TRUE(launched) << launched.error().message();
  ASSERT_EQ(launched->size(), 1u);
  auto registered = nodes();
  ASSERT_EQ(registered.size(), 1u);
  EXPECT_EQ(registered[0]["metadata"].value("name", ""), nodeName);
  EXPECT_EQ(registered[0]["spec"].value("providerID", ""), (*launched)[0].providerId);
  // Only the leader acted: the killed replica launched nothing, the survivor had every right.
  EXPECT_EQ(controller_->output().find("launching instance"), std::string::npos) << controller_->output();
  EXPECT_EQ(standby_->output().find("forbidden"), std::string::npos) << standby_->output();
  std::printf("[ metric ] leader SIGKILLed -> standby leads: %lld ms (Lease %lld s, retry %lld s); "
              "-> pending pod Running: %lld ms\n",
              takeoverMs, static_cast<long long>(kLeaseDuration.count()),
              static_cast<long long>(kRetryPeriod.count()), msBetween(killedAt, runningAt));
  EXPECT_EQ(standby_->terminate(15s), 0);
  standby_.reset();
}

}  // namespace
}  // namespace gantry::e2e
