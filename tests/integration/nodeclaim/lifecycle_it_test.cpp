// The lifecycle controller against the real peers: a g4dn.xlarge launched in moto through
// Ec2CloudProvider (a unique gantry.dev/cluster value, plus the kubernetes.io/cluster tag the
// node bootstrapper looks for), a NodeClaim with the termination finalizer pointing at it with
// Launched=True, and the controller run in-process with real informers. Asserts adoption
// (taint removed, labels, ownerRef, finalizer), Registered, Initialized only once
// nvidia.com/gpu is allocatable, and on deletion the instance terminated in moto and the
// finalizer removed. Every object is named uniquely and cleaned up; the env is shared.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <random>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "cloudprovider/aws/credentials_env.h"
#include "cloudprovider/aws/ec2_cloud_provider.h"
#include "cloudprovider/aws/query_ec2_api.h"
#include "provisioner/nodeclaim/lifecycle_controller.h"
#include "src/http/curl_http_client.h"
#include "src/kube/cluster_cache.h"
#include "src/kube/event_recorder.h"
#include "src/kube/kubeconfig.h"
#include "src/workload/manifest_loader.h"
#include "tests/support/testenv.h"

namespace gantry::provisioner::nodeclaim {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;
namespace nc = api::nodeclaim;

const kube::ResourcePath kCrds{.group = "apiextensions.k8s.io", .resource = "customresourcedefinitions"};
const kube::ResourcePath kNodes{.resource = "nodes"};

std::string uniqueSuffix() {
  std::mt19937_64 rng{std::random_device{}()};
  return std::to_string(::getpid()) + "-" + std::to_string(rng() % 100000);
}

class LifecycleIT : public gantry::testing::TestEnvTest {
 protected:
  void SetUp() override {
    TestEnvTest::SetUp();
    if (HasFatalFailure()) return;
    suffix_ = uniqueSuffix();
    cluster_ = "lc-it-" + suffix_;
    auto cfg = kube::loadKubeconfigFile(env().kubeconfig());
    ASSERT_TRUE(cfg) << cfg.error().toString();
    auto conn = kube::connect(*cfg, clock_, {.qps = 50, .burst = 100});
    ASSERT_TRUE(conn) << conn.error().toString();
    conn_ = std::move(*conn);
    ASSERT_NO_FATAL_FAILURE(installCrdsIfMissing());

    credentials_ = std::make_unique<cloudprovider::aws::StaticCredentialsProvider>(
        cloudprovider::aws::Credentials{.accessKeyId = env().accessKeyId(),
                                        .secretAccessKey = env().secretAccessKey()});
    ec2_ = std::make_unique<cloudprovider::aws::QueryEc2Api>(
        cloudprovider::aws::QueryEc2ApiOptions{.region = env().region(), .endpoint = env().ec2Endpoint()},
        http_, *credentials_, clock_,
        [](std::string_view) -> std::optional<std::string> { return std::nullopt; });
    provider_ = std::make_unique<cloudprovider::aws::Ec2CloudProvider>(
        cloudprovider::aws::Ec2CloudProviderOptions{.clusterName = cluster_}, *ec2_, nullptr,
        clock_, nullptr);
  }

  void TearDown() override {
    stopController();
    if (!conn_.client) return;
    if (!claimName_.empty()) {
      // Let go of a claim the test left behind (the controller is stopped).
      auto got = client().get(kube::kNodeClaimsPath.withName(claimName_));
      if (got) {
        (void)client().patch(kube::kNodeClaimsPath.withName(claimName_), kube::PatchType::kMerge,
                             json{{"metadata", {{"finalizers", json::array()}}}});
        (void)client().remove(kube::kNodeClaimsPath.withName(claimName_));
      }
    }
    if (provider_) {
      if (auto mine = provider_->list(); mine) {
        std::vector<std::string> ids;
        for (const auto& i : *mine) ids.push_back(i.providerId);
        if (!ids.empty()) (void)provider_->deleteInstances(ids);
      }
    }
    if (!nodeName_.empty()) {
      (void)client().patch(kNodes.withName(nodeName_), kube::PatchType::kMerge,
                           json{{"metadata", {{"finalizers", json::array()}}}});
      (void)client().remove(kNodes.withName(nodeName_));
    }
  }

  kube::RestClient& client() { return *conn_.client; }

  void installCrdsIfMissing() {
    const std::string dir = std::string(GANTRY_SOURCE_DIR) + "/deploy/crds";
    for (const auto& e : std::filesystem::directory_iterator(dir)) {
      if (e.path().extension() != ".yaml") continue;
      std::ifstream in(e.path());
      std::stringstream text;
      text << in.rdbuf();
      auto docs = workload::parseDocuments(text.str());
      ASSERT_TRUE(docs) << docs.error().toString();
      for (const json& crd : *docs) {
        const std::string name = crd["metadata"]["name"];
        if (client().get(kCrds.withName(name))) continue;
        auto made = client().create(kCrds, crd);
        ASSERT_TRUE(made || made.error().isAlreadyExists()) << made.error().toString();
      }
    }
    ASSERT_TRUE(waitFor(30s, [&] {
      auto crd = client().get(kCrds.withName("nodeclaims.gantry.dev"));
      if (!crd) return false;
      for (const json& c : (*crd)["status"].value("conditions", json::array())) {
        if (c["type"] == "Established" && c["status"] == "True") return true;
      }
      return false;
    })) << "nodeclaims CRD not Established";
  }

  static bool waitFor(std::chrono::seconds timeout, const std::function<bool()>& done) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (done()) return true;
      std::this_thread::sleep_for(200ms);
    }
    return done();
  }

  void startController(Clock::Duration registrationTtl = std::chrono::minutes(15)) {
    // The lifecycle controller reads no pods, and the shared cluster may hold tens of
    // thousands (other suites' scale tests): watch an empty namespace instead.
    cache_ = std::make_unique<kube::ClusterCache>(
        client(), clock_,
        kube::ClusterCacheOptions{.pods = {.fieldSelector = "metadata.namespace=" + cluster_ + "-none"},
                                  .gantryResources = true});
    recorder_ = std::make_unique<kube::KubeEventRecorder>(client(), clock_);
    controller_ = LifecycleController::forCluster(
        *cache_, client(), *provider_, *recorder_, clock_,
        LifecycleControllerOptions{.lifecycle = {.registrationTtl = registrationTtl, .pollInterval = 1s},
                                   .garbageCollection = false});
    cache_->start();
    ASSERT_TRUE(cache_->waitForSync(30s));
    worker_ = std::jthread([this](std::stop_token stop) { controller_->run(stop); });
  }

  void stopController() {
    if (worker_.joinable()) {
      worker_.request_stop();
      worker_.join();
    }
    if (recorder_) recorder_->stop();
    if (cache_) cache_->stop();
  }

  api::Ec2NodeClass nodeClass() const {
    api::Ec2NodeClass nc;
    nc.name = "lc-it-" + suffix_;
    nc.subnetSelectorTerms = {{.tags = {{"gantry.dev/discovery", env().clusterName()}}}};
    nc.securityGroupSelectorTerms = {{.tags = {{"gantry.dev/discovery", env().clusterName()}}}};
    nc.amiSelectorTerms = {{.id = "ami-12c6146b"}};
    return nc;
  }

  Result<json> claim() { return client().get(kube::kNodeClaimsPath.withName(claimName_)); }
  static bool conditionTrue(const json& c, std::string_view type) {
    for (const json& cond : c["status"].value("conditions", json::array())) {
      if (cond.value("type", "") == type) return cond.value("status", "") == "True";
    }
    return false;
  }

  RealClock clock_;
  http::CurlHttpClient http_;
  kube::Connection conn_;
  std::string suffix_, cluster_, claimName_, nodeName_;
  std::unique_ptr<cloudprovider::aws::StaticCredentialsProvider> credentials_;
  std::unique_ptr<cloudprovider::aws::QueryEc2Api> ec2_;
  std::unique_ptr<cloudprovider::aws::Ec2CloudProvider> provider_;
  std::unique_ptr<kube::ClusterCache> cache_;
  std::unique_ptr<kube::KubeEventRecorder> recorder_;
  std::unique_ptr<LifecycleController> controller_;
  std::jthread worker_;
};

TEST_F(LifecycleIT, GpuNodeIsAdoptedRegisteredInitializedAndTerminatedOnDelete) {
  claimName_ = "lc-it-" + suffix_;
  const std::string pool = "lc-it-pool-" + suffix_;

  // 1. The launch, as the provisioner would make it.
  const api::Ec2NodeClass nodeClass = this->nodeClass();
  api::InstanceType type;
  type.name = "g4dn.xlarge";
  type.architecture = "amd64";
  type.capacity.set("cpu", api::Quantity::fromValue(4));
  type.capacity.set("nvidia.com/gpu", api::Quantity::fromValue(1));
  type.offerings.push_back({.zone = "us-east-1a", .capacityType = api::CapacityType::kOnDemand,
                            .pricePerHour = 0.526});
  auto instance = provider_->create(
      {.nodeClaimName = claimName_, .nodePoolName = pool, .nodeClass = nodeClass,
       .instanceTypes = {type},
       // The bootstrapper plays kubelets for the shared test cluster's instances only.
       .tags = {{"kubernetes.io/cluster/" + env().clusterName(), "owned"}}});
  ASSERT_TRUE(instance) << instance.error().toString();

  // 2. The NodeClaim with its finalizer, then its status: Launched with the providerID.
  api::NodeClaim c;
  c.name = claimName_;
  c.labels = {{"gantry.dev/nodepool", pool}, {"gantry.dev/capacity-type", "on-demand"}};
  c.finalizers = {std::string(nc::kTerminationFinalizer)};
  c.nodeClassRef = {.group = "gantry.dev", .kind = "EC2NodeClass", .name = nodeClass.name};
  c.resourceRequests.set("nvidia.com/gpu", api::Quantity::fromValue(1));
  c.taints = {{.key = "nvidia.com/gpu", .value = "true", .effect = api::TaintEffect::kNoSchedule}};
  auto created = client().create(kube::kNodeClaimsPath, api::encodeNodeClaim(c));
  ASSERT_TRUE(created) << created.error().toString();
  auto decoded = api::decodeNodeClaim(*created);
  ASSERT_TRUE(decoded);
  api::NodeClaim launched = *decoded;
  launched.providerId = instance->providerId;
  launched.setCondition(nc::kLaunched, api::ConditionStatus::kTrue, "Launched", "", clock_.now());
  auto status = client().patch(kube::kNodeClaimsPath.withName(claimName_, "status"),
                               kube::PatchType::kMerge, api::nodeClaimStatusPatch(launched));
  ASSERT_TRUE(status) << status.error().toString();

  ASSERT_NO_FATAL_FAILURE(startController());

  // 3. Registration: the bootstrapper's Node is adopted.
  ASSERT_TRUE(waitFor(90s, [&] {
    auto got = claim();
    if (!got || !conditionTrue(*got, nc::kRegistered)) return false;
    nodeName_ = (*got)["status"].value("nodeName", "");
    return true;
  })) << "not Registered: " << (claim() ? claim()->dump() : "gone");
  ASSERT_FALSE(nodeName_.empty());
  auto node = client().get(kNodes.withName(nodeName_));
  ASSERT_TRUE(node) << node.error().toString();
  EXPECT_EQ((*node)["spec"]["providerID"], instance->providerId);
  EXPECT_EQ((*node)["metadata"]["labels"].value("gantry.dev/nodepool", ""), pool);
  EXPECT_EQ((*node)["metadata"]["labels"].value("gantry.dev/capacity-type", ""), "on-demand");
  EXPECT_EQ((*node)["metadata"]["labels"].value("node.kubernetes.io/instance-type", ""), "g4dn.xlarge");
  bool unregistered = false, gpuTaint = false;
  for (const json& t : (*node)["spec"].value("taints", json::array())) {
    unregistered |= t.value("key", "") == "gantry.dev/unregistered";
    gpuTaint |= t.value("key", "") == "nvidia.com/gpu";
  }
  EXPECT_FALSE(unregistered);
  EXPECT_TRUE(gpuTaint);
  ASSERT_EQ((*node)["metadata"].value("ownerReferences", json::array()).size(), 1u);
  EXPECT_EQ((*node)["metadata"]["ownerReferences"][0]["uid"], (*created)["metadata"]["uid"]);
  EXPECT_EQ((*node)["metadata"]["finalizers"], json::array({"gantry.dev/termination"}));

  // 4. Initialized (and Ready) only with nvidia.com/gpu allocatable.
  bool initializedEarly = false;
  ASSERT_TRUE(waitFor(60s, [&] {
    auto got = claim();
    auto n = client().get(kNodes.withName(nodeName_));
    if (!got || !n) return false;
    const bool gpu = (*n)["status"].value("allocatable", json::object()).contains("nvidia.com/gpu");
    // Read the claim after the node: Initialized without the GPU would be a bug.
    auto again = claim();
    if (again && conditionTrue(*again, nc::kInitialized) && !gpu) {
      // The node may have gained the GPU between the two reads; check once more.
      auto n2 = client().get(kNodes.withName(nodeName_));
      initializedEarly |= !(n2 && (*n2)["status"].value("allocatable", json::object()).contains("nvidia.com/gpu"));
    }
    return again && conditionTrue(*again, nc::kInitialized) && conditionTrue(*again, nc::kReady);
  })) << "not Initialized: " << (claim() ? claim()->dump() : "gone");
  EXPECT_FALSE(initializedEarly);

  // 5. Deletion: the instance is terminated in moto, the Node goes, the finalizer is removed.
  ASSERT_TRUE(client().remove(kube::kNodeClaimsPath.withName(claimName_)));
  ASSERT_TRUE(waitFor(60s, [&] {
    auto got = claim();
    return !got && got.error().isNotFound();
  })) << "claim still there: " << (claim() ? claim()->dump() : "");
  auto described = ec2_->describeInstances({.instanceIds = {instance->instanceId}});
  ASSERT_TRUE(described) << described.error().toString();
  for (const auto& i : *described) {
    EXPECT_TRUE(i.state == "terminated" || i.state == "shutting-down") << i.state;
  }
  EXPECT_TRUE(provider_->get(instance->providerId).error().isNotFound());
  EXPECT_TRUE(waitFor(20s, [&] {
    auto n = client().get(kNodes.withName(nodeName_));
    return !n && n.error().isNotFound();
  })) << "node still there";
}

TEST_F(LifecycleIT, InstanceThatNeverRegistersIsTerminatedAfterTheTtl) {
  claimName_ = "lc-it-ttl-" + suffix_;
  // No kubernetes.io/cluster tag of the shared cluster: the bootstrapper never makes a Node.
  api::InstanceType type;
  type.name = "m5.large";
  type.architecture = "amd64";
  type.capacity.set("cpu", api::Quantity::fromValue(2));
  type.offerings.push_back({.zone = "us-east-1b", .capacityType = api::CapacityType::kOnDemand,
                            .pricePerHour = 0.096});
  auto instance = provider_->create({.nodeClaimName = claimName_, .nodePoolName = "lc-it-pool",
                                     .nodeClass = nodeClass(), .instanceTypes = {type}});
  ASSERT_TRUE(instance) << instance.error().toString();

  api::NodeClaim c;
  c.name = claimName_;
  c.labels = {{"gantry.dev/nodepool", "lc-it-pool"}};
  c.finalizers = {std::string(nc::kTerminationFinalizer)};
  c.nodeClassRef = {.group = "gantry.dev", .kind = "EC2NodeClass", .name = "lc-it"};
  auto created = client().create(kube::kNodeClaimsPath, api::encodeNodeClaim(c));
  ASSERT_TRUE(created) << created.error().toString();
  auto launched = api::decodeNodeClaim(*created);
  ASSERT_TRUE(launched);
  launched->providerId = instance->providerId;
  launched->setCondition(nc::kLaunched, api::ConditionStatus::kTrue, "Launched", "", clock_.now());
  ASSERT_TRUE(client().patch(kube::kNodeClaimsPath.withName(claimName_, "status"),
                             kube::PatchType::kMerge, api::nodeClaimStatusPatch(*launched)));

  const auto start = std::chrono::steady_clock::now();
  ASSERT_NO_FATAL_FAILURE(startController(4s));
  ASSERT_TRUE(waitFor(60s, [&] {
    auto got = claim();
    return !got && got.error().isNotFound();
  })) << "claim still there: " << (claim() ? claim()->dump() : "");
  EXPECT_GE(std::chrono::steady_clock::now() - start, 3s) << "not before the TTL";
  EXPECT_TRUE(provider_->get(instance->providerId).error().isNotFound());
  // The Warning Event on the NodeClaim, in the default namespace (cluster-scoped object).
  recorder_->flush(5000ms);
  auto events = client().list(kube::ResourcePath{.resource = "events", .ns = "default"},
                              {.fieldSelector = "involvedObject.name=" + claimName_});
  ASSERT_TRUE(events) << events.error().toString();
  bool timeout = false;
  for (const json& e : (*events)["items"]) timeout |= e.value("reason", "") == "RegistrationTimeout";
  EXPECT_TRUE(timeout) << events->dump();
}

}  // namespace
}  // namespace gantry::provisioner::nodeclaim
