// The metrics controller publishing through a real registry: values as a scrape reads them,
// series of a Node that is gone removed, and every series cleared when it stops (a replica
// that no longer leads reports no cluster state).
#include "provisioner/gauges/metrics_controller.h"

#include <gtest/gtest.h>

#include <mutex>
#include <thread>

#include "tests/fakes/fake_clock.h"
#include "tests/support/metric_samples.h"
#include "tests/unit/provisioner/gauges/gauges_fixture.h"

namespace gantry::provisioner::gauges {
namespace {

using namespace testing;
using gantry::testing::sampleValue;
using gantry::testing::seriesCount;

class MetricsControllerTest : public ::testing::Test {
 protected:
  MetricsControllerTest() {
    state_.nodePools = {pool("gpu")};
    state_.nodes = {gantryNode("a", "gpu", "g4dn.xlarge", "us-east-1a", 1),
                    gantryNode("b", "gpu", "g5.xlarge", "us-east-1b", 1)};
    state_.pods = {boundGpuPod("t0", "a")};
  }

  FakeClock clock_;
  prometheus::Registry registry_;
  ClusterGauges gauges_{registry_};
  std::mutex mu_;
  ClusterState state_;  // guarded by mu_ while the controller runs
  MetricsController controller_{[this] {
                                  std::lock_guard lock(mu_);
                                  return state_;
                                },
                                gauges_, clock_, {.period = std::chrono::seconds(5)}};
};

TEST_F(MetricsControllerTest, PublishesTheMeasurementAndDropsSeriesThatAreGone) {
  controller_.publishOnce();
  EXPECT_EQ(sampleValue(registry_, "gantry_nodes", {{"nodepool", "gpu"}, {"instance_type", "g5.xlarge"}}), 1);
  EXPECT_EQ(seriesCount(registry_, "gantry_nodes"), 2u);
  EXPECT_EQ(sampleValue(registry_, "gantry_gpus_allocatable", {{"nodepool", "gpu"}}), 2);
  EXPECT_EQ(sampleValue(registry_, "gantry_gpus_requested", {{"nodepool", "gpu"}}), 1);
  EXPECT_EQ(sampleValue(registry_, "gantry_pods_pending", {{"reason", "gated"}}), 0);
  EXPECT_EQ(sampleValue(registry_, "gantry_unavailable_offerings"), 0);

  state_.nodes.pop_back();  // node b is gone
  state_.pods.clear();
  controller_.publishOnce();
  EXPECT_FALSE(sampleValue(registry_, "gantry_nodes", {{"instance_type", "g5.xlarge"}}));
  EXPECT_EQ(seriesCount(registry_, "gantry_nodes"), 1u);
  EXPECT_EQ(sampleValue(registry_, "gantry_gpus_allocatable", {{"nodepool", "gpu"}}), 1);
  EXPECT_EQ(sampleValue(registry_, "gantry_gpus_requested", {{"nodepool", "gpu"}}), 0);
}

TEST_F(MetricsControllerTest, RunPublishesEveryPeriodAndClearsOnStop) {
  std::stop_source stop;
  std::thread runner([&] { controller_.run(stop.get_token()); });
  auto waitFor = [&](const std::function<bool()>& done) {
    for (int i = 0; i < 2000 && !done(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    return done();
  };
  ASSERT_TRUE(waitFor([&] { return seriesCount(registry_, "gantry_nodes") == 2; }));
  {
    std::lock_guard lock(mu_);
    state_.nodes.clear();
  }
  // FakeClock::sleepFor advances time itself, so the next period comes at once.
  EXPECT_TRUE(waitFor([&] { return seriesCount(registry_, "gantry_nodes") == 0; }));
  stop.request_stop();
  runner.join();
  EXPECT_EQ(seriesCount(registry_, "gantry_pods_pending"), 0u);
  EXPECT_EQ(seriesCount(registry_, "gantry_gpus_allocatable"), 0u);
}

}  // namespace
}  // namespace gantry::provisioner::gauges
