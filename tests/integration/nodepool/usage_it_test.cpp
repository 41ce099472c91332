// The usage controller against the real kube-apiserver: a NodePool and two NodeClaims whose
// status (the status subresource, as the lifecycle controller writes it) carries capacity,
// the controller run in-process over real informers, and the pool's status.resources read
// back from the server: the cpu and nvidia.com/gpu sums and nodes = 2, then, once a claim is
// deleted, the smaller sums. The informers select on a label unique to the run, so the
// controller sees (and writes) only this test's objects in the shared cluster.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <functional>
#include <random>
#include <thread>

#include <nlohmann/json.hpp>

#include "provisioner/nodepool/usage_controller.h"
#include "src/kube/cluster_cache.h"
#include "src/kube/kubeconfig.h"
#include "src/workload/manifest_loader.h"
#include "tests/support/controller_runner.h"
#include "tests/support/gantry_crds.h"
#include "tests/support/testenv.h"

namespace gantry::provisioner::nodepool {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;

constexpr const char* kRunLabel = "gantry.dev/it-run";

class UsageIT : public gantry::testing::TestEnvTest {
 protected:
  void SetUp() override {
    TestEnvTest::SetUp();
    if (HasFatalFailure()) return;
    std::mt19937_64 rng{std::random_device{}()};
    run_ = "np-usage-" + std::to_string(::getpid()) + "-" + std::to_string(rng() % 100000);
    pool_ = run_;
    auto cfg = kube::loadKubeconfigFile(env().kubeconfig());
    ASSERT_TRUE(cfg) << cfg.error().toString();
    auto conn = kube::connect(*cfg, clock_, {.qps = 50, .burst = 100});
    ASSERT_TRUE(conn) << conn.error().toString();
    conn_ = std::move(*conn);
    ASSERT_NO_FATAL_FAILURE(gantry::testing::installGantryCrdsIfMissing(client()));
  }

  void TearDown() override {
    stopController();
    if (!conn_.client) return;
    for (const auto& name : claims_) {
      // Strip finalizers first so the deletion cannot hang on a controller that is not running.
      (void)client().patch(kube::kNodeClaimsPath.withName(name), kube::PatchType::kMerge,
                           json{{"metadata", {{"finalizers", nullptr}}}});
      (void)client().remove(kube::kNodeClaimsPath.withName(name));
    }
    (void)client().remove(kube::kNodePoolsPath.withName(pool_));
  }

  kube::RestClient& client() { return *conn_.client; }


  static bool waitFor(std::chrono::seconds timeout, const std::function<bool()>& done) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (done()) return true;
      std::this_thread::sleep_for(200ms);
    }
    return done();
  }

  void createPool() {
    json pool = {
        {"apiVersion", "gantry.dev/v1"},
        {"kind", "NodePool"},
        {"metadata", {{"name", pool_}, {"labels", {{kRunLabel, run_}}}}},
        {"spec",
         {{"limits", {{"nvidia.com/gpu", "8"}}},
          {"template",
           {{"spec",
             {{"nodeClassRef", {{"group", "gantry.dev"}, {"kind", "EC2NodeClass"}, {"name", "default"}}},
              {"requirements", json::array({{{"key", "kubernetes.io/arch"}, {"operator", "In"},
                                             {"values", json::array({"amd64"})}}})}}}}}}}};
    auto made = client().create(kube::kNodePoolsPath, pool);
    ASSERT_TRUE(made) << made.error().toString();
  }

  // A claim of the pool, then its status.capacity through the status subresource.
  void createClaim(const std::string& name, const json& capacity) {
    api::NodeClaim c;
    c.name = name;
    c.labels = {{"gantry.dev/nodepool", pool_}, {kRunLabel, run_}};
    c.nodeClassRef = {.group = "gantry.dev", .kind = "EC2NodeClass", .name = "default"};
    c.requirements = {{.key = "kubernetes.io/arch", .op = api::SelectorOp::kIn, .values = {"amd64"}}};
    auto made = client().create(kube::kNodeClaimsPath, api::encodeNodeClaim(c));
    ASSERT_TRUE(made) << made.error().toString();
    claims_.push_back(name);
    auto patched = client().patch(kube::kNodeClaimsPath.withName(name, "status"), kube::PatchType::kMerge,
                                  json{{"status", {{"capacity", capacity}}}});
    ASSERT_TRUE(patched) << patched.error().toString();
    ASSERT_EQ((*patched)["status"]["capacity"], capacity) << patched->dump();
  }

  void startController() {
    const std::string selector = std::string(kRunLabel) + "=" + run_;
    // The controller reads no pods: watch a namespace that does not exist instead of the
    // shared cluster's many.
    cache_ = std::make_unique<kube::ClusterCache>(
        client(), clock_,
        kube::ClusterCacheOptions{.pods = {.fieldSelector = "metadata.namespace=" + run_ + "-none"},
                                  .nodePools = {.labelSelector = selector},
                                  .nodeClaims = {.labelSelector = selector},
                                  .gantryResources = true});
    controller_ = UsageController::forCluster(*cache_, client(), clock_);
    ASSERT_NO_FATAL_FAILURE(runner_.start(*cache_, *controller_));
  }

  void stopController() {
    runner_.stop();
  }

  json resources() {
    auto got = client().get(kube::kNodePoolsPath.withName(pool_));
    if (!got) return json();
    auto status = got->find("status");
    if (status == got->end() || !status->contains("resources")) return json();
    return (*status)["resources"];
  }

  RealClock clock_;
  kube::Connection conn_;
  std::string run_, pool_;
  std::vector<std::string> claims_;
  std::unique_ptr<kube::ClusterCache> cache_;
  std::unique_ptr<UsageController> controller_;
  gantry::testing::ControllerRunner runner_;
};

TEST_F(UsageIT, StatusResourcesSumTheClaimsAndDropWhenOneIsDeleted) {
  ASSERT_NO_FATAL_FAILURE(createPool());
  const std::string a = run_ + "-a", b = run_ + "-b";
  ASSERT_NO_FATAL_FAILURE(
      createClaim(a, {{"cpu", "4"}, {"memory", "16Gi"}, {"nvidia.com/gpu", "1"}, {"pods", "29"}}));
  ASSERT_NO_FATAL_FAILURE(
      createClaim(b, {{"cpu", "8"}, {"memory", "32Gi"}, {"nvidia.com/gpu", "2"}, {"pods", "58"}}));
  ASSERT_NO_FATAL_FAILURE(startController());

  const json both = {{"cpu", "12"}, {"memory", "48Gi"}, {"nvidia.com/gpu", "3"}, {"pods", "87"},
                     {"ephemeral-storage", "0"}, {"nodes", "2"}};
  EXPECT_TRUE(waitFor(20s, [&] { return resources() == both; })) << "status.resources: " << resources().dump();

  // Deleted (no finalizer: gone at once): its capacity drops out, the rest of the status stays.
  auto removed = client().remove(kube::kNodeClaimsPath.withName(a));
  ASSERT_TRUE(removed) << removed.error().toString();
  const json one = {{"cpu", "8"}, {"memory", "32Gi"}, {"nvidia.com/gpu", "2"}, {"pods", "58"},
                    {"ephemeral-storage", "0"}, {"nodes", "1"}};
  EXPECT_TRUE(waitFor(20s, [&] { return resources() == one; })) << "status.resources: " << resources().dump();
  auto pool = client().get(kube::kNodePoolsPath.withName(pool_));
  ASSERT_TRUE(pool) << pool.error().toString();
  EXPECT_EQ((*pool)["spec"]["limits"]["nvidia.com/gpu"], "8") << "the spec is untouched";
}

}  // namespace
}  // namespace gantry::provisioner::nodepool
