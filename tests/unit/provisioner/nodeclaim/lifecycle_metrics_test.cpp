// The lifecycle's event counters: launched, registered and initialized once per claim (and
// only once the status saying so is written), the node startup time from the claim's
// creation to Initialized, and launch failures by NodePool and error code, read back through
// the registry as a scrape would.
#include <gtest/gtest.h>

#include "provisioner/nodeclaim/lifecycle_reconciler.h"
#include "tests/support/metric_samples.h"
#include "tests/unit/provisioner/nodeclaim/launch_fixture.h"

namespace gantry::provisioner::nodeclaim {
namespace {

using namespace std::chrono_literals;
using json = nlohmann::json;
using gantry::testing::histogramSum;
using gantry::testing::sampleValue;

constexpr const char* kNodeName = "ip-10-0-0-1.ec2.internal";

class LifecycleMetricsTest : public testing::LaunchFixture {
 protected:
  LifecycleMetricsTest()
      : reconciler_(cluster_, cluster_, cloud_, events_, clock_, options_, shared(), &metrics_) {}

  double count(const std::string& family, std::map<std::string, std::string> labels = {}) {
    labels.emplace("nodepool", "gpu");
    return sampleValue(registry_, family, labels).value_or(0);
  }

  // The kubelet's Node for `providerId`, Ready or not, with the GPU the claim did not ask for.
  json node(const std::string& providerId, bool ready) {
    return json{{"apiVersion", "v1"},
                {"kind", "Node"},
                {"metadata", {{"name", kNodeName}}},
                {"spec", {{"providerID", providerId}}},
                {"status",
                 {{"allocatable", {{"cpu", "3920m"}, {"memory", "15Gi"}, {"pods", "29"}}},
                  {"conditions",
                   json::array({{{"type", "Ready"}, {"status", ready ? "True" : "False"}}})}}}};
  }

  prometheus::Registry registry_;
  ProvisionerMetrics metrics_{registry_};
  LifecycleReconciler reconciler_;
};

TEST_F(LifecycleMetricsTest, EachPhaseIsCountedOnceAndStartupTimedFromCreation) {
  cluster_.putClaim(pendingClaim());  // created at the clock's now
  ASSERT_TRUE(reconciler_.reconcile("gpu-a"));
  ASSERT_TRUE(claim()->isTrue(api::nodeclaim::kLaunched));
  EXPECT_EQ(count("gantry_nodeclaims_launched_total"), 1);
  EXPECT_EQ(count("gantry_nodeclaims_registered_total"), 0);
  // Launched starts the pool's capacity-error count at zero: a sample, not a gap.
  EXPECT_EQ(sampleValue(registry_, "gantry_nodeclaim_launch_failures_total",
                        {{"nodepool", "gpu"}, {"code", "InsufficientCapacity"}}),
            0);
  ASSERT_TRUE(reconciler_.reconcile("gpu-a"));  // nothing new: nothing counted
  EXPECT_EQ(count("gantry_nodeclaims_launched_total"), 1);

  clock_.advance(40s);
  cluster_.putNode(node(claim()->providerId, /*ready=*/false));
  ASSERT_TRUE(reconciler_.reconcile("gpu-a"));
  ASSERT_TRUE(claim()->isTrue(api::nodeclaim::kRegistered));
  EXPECT_EQ(count("gantry_nodeclaims_registered_total"), 1);
  EXPECT_EQ(count("gantry_nodeclaims_initialized_total"), 0);
  EXPECT_FALSE(sampleValue(registry_, "gantry_node_startup_duration_seconds"));

  clock_.advance(5s);
  cluster_.editNode(kNodeName, [](json& n) { n["status"]["conditions"][0]["status"] = "True"; });
  ASSERT_TRUE(reconciler_.reconcile("gpu-a"));
  ASSERT_TRUE(claim()->isTrue(api::nodeclaim::kInitialized));
  ASSERT_TRUE(reconciler_.reconcile("gpu-a"));
  EXPECT_EQ(count("gantry_nodeclaims_launched_total"), 1);
  EXPECT_EQ(count("gantry_nodeclaims_registered_total"), 1);
  EXPECT_EQ(count("gantry_nodeclaims_initialized_total"), 1);
  EXPECT_EQ(sampleValue(registry_, "gantry_node_startup_duration_seconds"), 1);
  EXPECT_EQ(histogramSum(registry_, "gantry_node_startup_duration_seconds"), 45);
}

TEST_F(LifecycleMetricsTest, APassWhoseStatusWriteFailsCountsNothingAndItsRetryCountsOnce) {
  cluster_.putClaim(pendingClaim());
  cluster_.failNext("patchNodeClaimStatus", Status::conflict("the claim changed"));
  EXPECT_FALSE(reconciler_.reconcile("gpu-a"));
  EXPECT_EQ(count("gantry_nodeclaims_launched_total"), 0);
  ASSERT_TRUE(reconciler_.reconcile("gpu-a"));  // the launch is idempotent, the count too
  ASSERT_TRUE(claim()->isTrue(api::nodeclaim::kLaunched));
  EXPECT_EQ(count("gantry_nodeclaims_launched_total"), 1);
}

TEST_F(LifecycleMetricsTest, LaunchFailuresAreCountedByCodeOncePerDeletedClaim) {
  cluster_.putClaim(pendingClaim("gpu-a"));
  cloud_.createErrors = {Status::insufficientCapacity("no g4dn.xlarge capacity")};
  ASSERT_TRUE(reconciler_.reconcile("gpu-a"));
  ASSERT_TRUE(claim("gpu-a")->deleting());
  ASSERT_TRUE(reconciler_.reconcile("gpu-a"));  // its termination: not a second failure
  EXPECT_EQ(count("gantry_nodeclaim_launch_failures_total", {{"code", "InsufficientCapacity"}}), 1);

  cluster_.putClaim(pendingClaim("gpu-b"));
  cloud_.createErrors = {Status::unauthorized("UnauthorizedOperation")};
  ASSERT_TRUE(reconciler_.reconcile("gpu-b"));
  EXPECT_EQ(count("gantry_nodeclaim_launch_failures_total", {{"code", "Unauthorized"}}), 1);
  EXPECT_EQ(count("gantry_nodeclaims_launched_total"), 0);
}

}  // namespace
}  // namespace gantry::provisioner::nodeclaim
