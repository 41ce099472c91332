// The fixture of the NodeClaim lifecycle integration suites: a connection to the test
// cluster, Gantry's CRDs, an Ec2CloudProvider on moto with a unique gantry.dev/cluster value,
// the lifecycle controller run in-process with real informers, and a TearDown that lets go of
// whatever a test left (claim, instances, Node, namespace). The env is shared: unique names.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <functional>
#include <random>
#include <thread>

#include <nlohmann/json.hpp>

#include "cloudprovider/aws/auth/credentials_env.h"
#include "cloudprovider/aws/ec2_cloud_provider.h"
#include "cloudprovider/aws/ec2/query_ec2_api.h"
#include "provisioner/nodeclaim/lifecycle_controller.h"
#include "src/http/curl_http_client.h"
#include "src/kube/cluster_cache.h"
#include "src/kube/event_recorder.h"
#include "src/kube/kubeconfig.h"
#include "src/workload/manifest_loader.h"
#include "tests/support/controller_runner.h"
#include "tests/support/gantry_crds.h"
#include "tests/support/testenv.h"

namespace gantry::provisioner::nodeclaim {

using json = nlohmann::json;
using namespace std::chrono_literals;
namespace nc = api::nodeclaim;

inline const kube::ResourcePath kNodes{.resource = "nodes"};
inline const kube::ResourcePath kNamespaces{.resource = "namespaces"};

inline std::string uniqueSuffix() {
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
    ASSERT_NO_FATAL_FAILURE(gantry::testing::installGantryCrdsIfMissing(client()));

    credentials_ = std::make_unique<cloudprovider::aws::StaticCredentialsProvider>(
        cloudprovider::aws::Credentials{.accessKeyId = env().accessKeyId(),
                                        .secretAccessKey = env().secretAccessKey()});
    ec2_ = std::make_unique<cloudprovider::aws::QueryEc2Api>(
        cloudprovider::aws::QueryEc2ApiOptions{.region = env().region(), .endpoint = env().ec2Endpoint()},
        http_, *credentials_, clock_,
        [](std::string_view) -> std::optional<std::string> { return std::nullopt; });
    nodeClasses_.put(nodeClass());
    provider_ = std::make_unique<cloudprovider::aws::Ec2CloudProvider>(
        cloudprovider::aws::Ec2CloudProviderOptions{.clusterName = cluster_}, *ec2_, nullptr,
        clock_, nullptr, nodeClasses_);
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
    if (!namespace_.empty()) (void)client().remove(kNamespaces.withName(namespace_));
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

  // `podNamespace`: the one namespace whose pods the cache watches (the drain reads the pods
  // on a Node from it). The shared cluster may hold tens of thousands of pods (other suites'
  // scale tests), so the default is an empty namespace.
  void startController(Clock::Duration registrationTtl = std::chrono::minutes(15),
                       std::string podNamespace = "") {
    if (podNamespace.empty()) podNamespace = cluster_ + "-none";
    cache_ = std::make_unique<kube::ClusterCache>(
        client(), clock_,
        kube::ClusterCacheOptions{.pods = {.fieldSelector = "metadata.namespace=" + podNamespace},
                                  .gantryResources = true});
    recorder_ = std::make_unique<kube::KubeEventRecorder>(client(), clock_);
    controller_ = LifecycleController::forCluster(
        *cache_, client(), *provider_, *recorder_, clock_,
        LifecycleControllerOptions{.lifecycle = {.registrationTtl = registrationTtl,
                                                 .pollInterval = 1s,
                                                 .maxEvictionRetry = 4s}});
    ASSERT_NO_FATAL_FAILURE(runner_.start(*cache_, *controller_));
  }

  // Creates `c` and marks it Launched on `providerId`, as the provisioner leaves a claim.
  void createLaunchedClaim(const api::NodeClaim& c, const std::string& providerId) {
    auto created = client().create(kube::kNodeClaimsPath, api::encodeNodeClaim(c));
    ASSERT_TRUE(created) << created.error().toString();
    auto launched = api::decodeNodeClaim(*created);
    ASSERT_TRUE(launched);
    launched->providerId = providerId;
    launched->setCondition(api::nodeclaim::kLaunched, api::ConditionStatus::kTrue, "Launched", "", clock_.now());
    auto status = client().patch(kube::kNodeClaimsPath.withName(c.name, "status"), kube::PatchType::kMerge,
                                 api::nodeClaimStatusPatch(*launched));
    ASSERT_TRUE(status) << status.error().toString();
  }

  void stopController() {
    runner_.stop();
    if (recorder_) recorder_->stop();
  }

  api::Ec2NodeClass nodeClass() const {
    api::Ec2NodeClass nc;
    nc.name = "lc-it-" + suffix_;
    nc.subnetSelectorTerms = {{.tags = {{"gantry.dev/discovery", env().clusterName()}}}};
    nc.securityGroupSelectorTerms = {{.tags = {{"gantry.dev/discovery", env().clusterName()}}}};
    nc.amiSelectorTerms = {{.id = "ami-12c6146b"}};
    return nc;
  }
  // How a NodeClaim names nodeClass().
  api::NodeClassRef nodeClassRef() const {
    return {.group = "gantry.dev", .kind = "EC2NodeClass", .name = nodeClass().name};
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
  std::string namespace_;  // deleted in TearDown when set
  std::unique_ptr<cloudprovider::aws::StaticCredentialsProvider> credentials_;
  std::unique_ptr<cloudprovider::aws::QueryEc2Api> ec2_;
  cloudprovider::aws::InMemoryEc2NodeClassSource nodeClasses_;  // nodeClass(), for provider_
  std::unique_ptr<cloudprovider::aws::Ec2CloudProvider> provider_;
  std::unique_ptr<kube::ClusterCache> cache_;
  std::unique_ptr<kube::KubeEventRecorder> recorder_;
  std::unique_ptr<LifecycleController> controller_;
  gantry::testing::ControllerRunner runner_;
};

}  // namespace gantry::provisioner::nodeclaim
