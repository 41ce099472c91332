// `gantry controller` end to end against the test environment: a Job of three GPU pods in a
// fresh namespace becomes exactly three NodeClaims (Launched=True) and three instances of the
// cheapest allowed NVIDIA type in moto, and no fourth. Node registration belongs to the
// lifecycle controller and is not asserted here. Each run uses its own cluster name (so only
// its instances are seen), namespace, NodePool label and EC2NodeClass, and removes them.
// Needs tests/testenv/up; fails, never skips, without it.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <chrono>
#include <cstdio>
#include <random>
#include <thread>

#include "cloudprovider/aws/credentials_env.h"
#include "cloudprovider/aws/ec2_cloud_provider.h"
#include "cloudprovider/aws/query_ec2_api.h"
#include "src/http/curl_http_client.h"
#include "src/kube/cluster_cache.h"
#include "src/kube/kubeconfig.h"
#include "src/kube/rest_client.h"
#include "tests/e2e/controller_process.h"
#include "tests/support/run_command.h"
#include "tests/support/testenv.h"

namespace gantry {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;
namespace aws = cloudprovider::aws;

const kube::ResourcePath kNamespaces{.resource = "namespaces"};
const kube::ResourcePath kCrds{.group = "apiextensions.k8s.io", .resource = "customresourcedefinitions"};

int freePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

long long msBetween(std::chrono::system_clock::time_point a, std::chrono::system_clock::time_point b) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(b - a).count();
}

class ProvisioningE2eTest : public testing::TestEnvTest {
 protected:
  void SetUp() override {
    TestEnvTest::SetUp();
    if (HasFatalFailure()) return;
    std::mt19937_64 rng{std::random_device{}()};
    run_ = "e2e-prov-" + std::to_string(rng() % 1000000);
    auto cfg = kube::loadKubeconfigFile(env().kubeconfig());
    ASSERT_TRUE(cfg) << cfg.error().message();
    auto conn = kube::connect(*cfg, clock_);
    ASSERT_TRUE(conn) << conn.error().message();
    conn_ = std::move(*conn);
    credentials_ = std::make_unique<aws::StaticCredentialsProvider>(
        aws::Credentials{.accessKeyId = env().accessKeyId(), .secretAccessKey = env().secretAccessKey()});
    ec2_ = std::make_unique<aws::QueryEc2Api>(
        aws::QueryEc2ApiOptions{.region = env().region(), .endpoint = env().ec2Endpoint()}, http_,
        *credentials_, clock_, [](std::string_view) -> std::optional<std::string> { return std::nullopt; });
    provider_ = std::make_unique<aws::Ec2CloudProvider>(aws::Ec2CloudProviderOptions{.clusterName = run_},
                                                        *ec2_, nullptr, clock_, nullptr);
  }

  void TearDown() override {
    if (controller_) (void)controller_->terminate(10s);
    if (provider_) {
      if (auto mine = provider_->list(); mine && !mine->empty()) {
        std::vector<std::string> ids;
        for (const auto& i : *mine) ids.push_back(i.providerId);
        (void)provider_->deleteInstances(ids);
      }
    }
    if (!conn_.client) return;
    kube::RestClient& c = *conn_.client;
    if (auto claims = c.listAll(kube::kNodeClaimsPath, {.labelSelector = "e2e-run=" + run_})) {
      for (const auto& item : claims->items) {
        const std::string name = item["metadata"]["name"];
        (void)c.patch(kube::kNodeClaimsPath.withName(name), kube::PatchType::kMerge,
                      json{{"metadata", {{"finalizers", nullptr}}}});
        (void)c.remove(kube::kNodeClaimsPath.withName(name));
      }
    }
    (void)c.remove(kNamespaces.withName(run_), {.propagationPolicy = "Background"});
    (void)c.remove(kube::kNodePoolsPath.withName(run_));
    (void)c.remove(kube::kEc2NodeClassesPath.withName(run_));
  }

  // Applies deploy/crds when the gantry.dev CRDs are not installed.
  void ensureCrds() {
    if (conn_.client->get(kCrds.withName("nodeclaims.gantry.dev"))) return;
    auto r = testing::runCommand("kubectl --kubeconfig '" + env().kubeconfig() + "' apply -f '" +
                                 std::string(GANTRY_SOURCE_DIR) + "/deploy/crds'");
    ASSERT_EQ(r.exitCode, 0) << r.err;
    std::this_thread::sleep_for(2s);  // CRDs need a moment to be served
  }

  void createObjects() {
    kube::RestClient& c = *conn_.client;
    json nodeClass = {
        {"apiVersion", "gantry.dev/v1"}, {"kind", "EC2NodeClass"}, {"metadata", {{"name", run_}}},
        {"spec",
         {{"amiFamily", "AL2023"},
          {"amiSelectorTerms", json::array({{{"id", "ami-12c6146b"}}})},
          {"role", "GantryNodeRole"},
          {"subnetSelectorTerms", json::array({{{"tags", {{"gantry.dev/discovery", env().clusterName()}}}}})},
          {"securityGroupSelectorTerms",
           json::array({{{"tags", {{"gantry.dev/discovery", env().clusterName()}}}}})}}}};
    auto r = c.create(kube::kEc2NodeClassesPath, nodeClass);
    ASSERT_TRUE(r) << r.error().message();
    json requirements = json::array(
        {{{"key", "node.kubernetes.io/instance-type"}, {"operator", "In"},
          {"values", json::array({"g4dn.xlarge", "g5.xlarge", "p3.2xlarge"})}},
         {{"key", "gantry.dev/capacity-type"}, {"operator", "In"}, {"values", json::array({"on-demand"})}}});
    json pool = {{"apiVersion", "gantry.dev/v1"},
                 {"kind", "NodePool"},
                 {"metadata", {{"name", run_}, {"labels", {{"e2e-run", run_}}}}},
                 {"spec",
                  {{"template",
                    {{"metadata", {{"labels", {{"e2e-run", run_}}}}},
                     {"spec",
                      {{"nodeClassRef", {{"group", "gantry.dev"}, {"kind", "EC2NodeClass"}, {"name", run_}}},
                       {"requirements", requirements}}}}},
                   {"limits", {{"nvidia.com/gpu", "8"}}}}}};
    r = c.create(kube::kNodePoolsPath, pool);
    ASSERT_TRUE(r) << r.error().message();
    r = c.create(kNamespaces, {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", run_}}}});
    ASSERT_TRUE(r) << r.error().message();
  }

  void createJob() {
    json job = {
        {"apiVersion", "batch/v1"},
        {"kind", "Job"},
        {"metadata", {{"name", "trial"}, {"namespace", run_}}},
        {"spec",
         {{"parallelism", 3},
          {"completions", 3},
          {"template",
           {{"spec",
             {{"restartPolicy", "Never"},
              {"containers", json::array({{{"name", "trial"},
                                           {"image", "busybox"},
                                           {"resources", {{"limits", {{"nvidia.com/gpu", "1"}}}}}}})}}}}}}}};
    auto r = conn_.client->create({.group = "batch", .resource = "jobs", .ns = run_}, job);
    ASSERT_TRUE(r) << r.error().message();
  }

  // NodeClaims of this run, and how many have Launched=True.
  std::pair<size_t, size_t> claims() {
    auto list = conn_.client->listAll(kube::kNodeClaimsPath, {.labelSelector = "e2e-run=" + run_});
    if (!list) return {0, 0};
    size_t launched = 0;
    for (const auto& item : list->items) {
      for (const auto& c : item.value("status", json::object()).value("conditions", json::array())) {
        if (c.value("type", "") == "Launched" && c.value("status", "") == "True") ++launched;
      }
    }
    return {list->items.size(), launched};
  }

  RealClock clock_;
  http::CurlHttpClient http_;
  std::string run_;
  kube::Connection conn_;
  std::unique_ptr<aws::CredentialsProvider> credentials_;
  std::unique_ptr<aws::QueryEc2Api> ec2_;
  std::unique_ptr<aws::Ec2CloudProvider> provider_;
  std::unique_ptr<testing::ControllerProcess> controller_;
};

TEST_F(ProvisioningE2eTest, ThreeGpuPodsBecomeExactlyThreeCheapestNvidiaInstances) {
  ensureCrds();
  ASSERT_NO_FATAL_FAILURE(createObjects());

  controller_ = std::make_unique<testing::ControllerProcess>();
  ASSERT_TRUE(controller_->start(
      GANTRY_BINARY,
      {"controller", "--cluster-name", run_, "--region", env().region(), "--kubeconfig", env().kubeconfig(),
       "--ec2-endpoint", env().ec2Endpoint(), "--pricing-endpoint", env().get("GANTRY_PRICING_ENDPOINT"),
       "--namespace", run_, "--nodepool-selector", "e2e-run=" + run_, "--metrics-port",
       std::to_string(freePort()), "--health-port", std::to_string(freePort())},
      {{"AWS_ACCESS_KEY_ID", env().accessKeyId()},
       {"AWS_SECRET_ACCESS_KEY", env().secretAccessKey()},
       {"AWS_REGION", env().region()}}));
  // The live catalog loads before the first batch; pods created after that see only the
  // batch window and the launch in their latency.
  ASSERT_TRUE(controller_->waitFor("loaded instance types", 180s)) << controller_->output();

  const auto created = std::chrono::system_clock::now();
  ASSERT_NO_FATAL_FAILURE(createJob());

  auto firstCall = controller_->waitFor("launching instance", 60s);
  ASSERT_TRUE(firstCall) << controller_->output();
  auto thirdLaunched = controller_->waitFor("launched nodeclaim", 60s, 3);
  ASSERT_TRUE(thirdLaunched) << controller_->output();
  auto firstLaunched = controller_->waitFor("launched nodeclaim", 1s, 1);
  auto batchClosed = controller_->waitFor("batch closed", 1s);
  auto planned = controller_->waitFor("planned pods=", 1s);
  if (batchClosed && planned) {
    std::printf("[ metric ] pod creation -> batch closed: %lld ms, -> planned: %lld ms\n",
                msBetween(created, batchClosed->at), msBetween(created, planned->at));
  }
  std::printf("[ metric ] pod creation -> first EC2 launch call: %lld ms\n", msBetween(created, firstCall->at));
  std::printf("[ metric ] pod creation -> first NodeClaim Launched: %lld ms\n",
              msBetween(created, firstLaunched->at));
  std::printf("[ metric ] pod creation -> third NodeClaim Launched: %lld ms\n",
              msBetween(created, thirdLaunched->at));

  auto [count, launched] = claims();
  EXPECT_EQ(count, 3u);
  EXPECT_EQ(launched, 3u);
  auto instances = provider_->list();
  ASSERT_TRUE(instances) << instances.error().message();
  ASSERT_EQ(instances->size(), 3u);
  for (const auto& i : *instances) EXPECT_EQ(i.instanceType, "g4dn.xlarge") << i.instanceId;

  // No fourth launch while the nodes boot (they never register here: the bootstrapper only
  // serves the environment's own cluster name).
  std::this_thread::sleep_for(20s);
  auto [countLater, launchedLater] = claims();
  EXPECT_EQ(countLater, 3u);
  EXPECT_EQ(launchedLater, 3u);
  instances = provider_->list();
  ASSERT_TRUE(instances) << instances.error().message();
  EXPECT_EQ(instances->size(), 3u);

  EXPECT_EQ(controller_->terminate(15s), 0) << controller_->output();
  controller_.reset();
}

}  // namespace
}  // namespace gantry
