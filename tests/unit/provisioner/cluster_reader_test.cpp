// ClusterReader over the recording FakeHttpClient: lists served from the JSON fixture
// testdata/live-cluster/cluster.json (two pages for Nodes and Pods), 404 for CRDs that are
// not served. Pins the read-only contract (GETs only, limit=500 pages with continue), the
// snapshot it builds (pending pods, charged nodes, in-flight claims, pools, daemonsets,
// errors) and what the solver makes of it.
#include "provisioner/plan/cluster_reader.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "binpack/solver.h"
#include "cloudprovider/catalog/bundled_catalog.h"
#include "provisioner/plan/live_plan.h"
#include "tests/fakes/fake_clock.h"
#include "tests/unit/src/http/fake_http_client.h"

namespace gantry::provisioner {
namespace {

using http::FakeHttpClient;
using nlohmann::json;

constexpr const char* kServer = "https://api.example:6443";

json loadFixture() {
  std::ifstream in(std::string(GANTRY_SOURCE_DIR) + "/tests/unit/provisioner/testdata/live-cluster/cluster.json");
  std::stringstream ss;
  ss << in.rdbuf();
  return json::parse(ss.str());
}

std::string queryParam(const std::string& url, const std::string& key) {
  auto q = url.find('?');
  if (q == std::string::npos) return "";
  std::string query = url.substr(q + 1);
  for (size_t pos = 0; pos <= query.size();) {
    size_t amp = query.find('&', pos);
    std::string kv = query.substr(pos, amp == std::string::npos ? std::string::npos : amp - pos);
    if (kv.starts_with(key + "=")) return kv.substr(key.size() + 1);
    if (amp == std::string::npos) break;
    pos = amp + 1;
  }
  return "";
}

class ClusterReaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto types = cloudprovider::bundledInstanceTypes("us-east-1");
    ASSERT_TRUE(types) << types.error().toString();
    catalog_ = *types;
    // Serves fixture[path][page], the page named by the continue token "page-N".
    http_.setHandler([this](const http::Request& req) -> Result<http::Response> {
      std::string path = req.url.substr(std::string(kServer).size());
      path = path.substr(0, path.find('?'));
      if (!fixture_.contains(path)) return FakeHttpClient::reply(404, "404 page not found");
      std::string token = queryParam(req.url, "continue");
      size_t page = token.empty() ? 0 : std::stoul(token.substr(5));
      return FakeHttpClient::reply(200, fixture_[path].at(page).dump());
    });
  }

  Result<ClusterState> read() {
    ClusterReader reader(client_, {.source = kServer, .catalog = catalog_});
    return reader.read();
  }

  static const api::Node* findNode(const ClusterState& s, const std::string& name) {
    for (const auto& n : s.workload.nodes) {
      if (n.name == name) return &n;
    }
    return nullptr;
  }

  json fixture_ = loadFixture();
  FakeHttpClient http_;
  FakeClock clock_;
  kube::RestClient client_{http_, clock_, kServer, nullptr, {.qps = 0}};
  api::InstanceTypesPtr catalog_;
};

TEST_F(ClusterReaderTest, OnlyListsWithPagesOf500AndFollowsContinue) {
  auto state = read();
  ASSERT_TRUE(state) << state.error().toString();
  std::vector<std::string> paths;
  for (const auto& req : http_.requests()) {
    EXPECT_EQ(req.method, "GET") << req.url;
    EXPECT_EQ(queryParam(req.url, "limit"), "500") << req.url;
    paths.push_back(req.url.substr(std::string(kServer).size()));
  }
  // Two pages each of Nodes and Pods; both NodePool and EC2NodeClass groups tried; pods
  // filtered server-side.
  ASSERT_EQ(paths.size(), 10u);
  EXPECT_TRUE(paths[0].starts_with("/api/v1/nodes?")) << paths[0];
  EXPECT_NE(paths[1].find("continue=page-1"), std::string::npos) << paths[1];
  EXPECT_TRUE(paths[2].starts_with("/api/v1/pods?")) << paths[2];
  EXPECT_NE(paths[2].find("fieldSelector=status.phase%21%3DSucceeded"), std::string::npos) << paths[2];
  EXPECT_NE(paths[3].find("continue=page-1"), std::string::npos) << paths[3];
  EXPECT_TRUE(paths[4].starts_with("/apis/apps/v1/daemonsets?")) << paths[4];
  EXPECT_TRUE(paths[5].starts_with("/apis/gantry.dev/v1/nodepools?")) << paths[5];
  EXPECT_TRUE(paths[6].starts_with("/apis/karpenter.sh/v1/nodepools?")) << paths[6];
  EXPECT_TRUE(paths[7].starts_with("/apis/gantry.dev/v1/ec2nodeclasses?")) << paths[7];
  EXPECT_TRUE(paths[8].starts_with("/apis/karpenter.k8s.aws/v1/ec2nodeclasses?")) << paths[8];
  EXPECT_TRUE(paths[9].starts_with("/apis/gantry.dev/v1/nodeclaims?")) << paths[9];
}

TEST_F(ClusterReaderTest, KeepsOnlyProvisionablePodsAndChargesBoundAndNominatedOnes) {
  auto state = read();
  ASSERT_TRUE(state) << state.error().toString();
  std::vector<std::string> pending;
  for (const auto& p : state->workload.pods) pending.push_back(p.key());
  EXPECT_EQ(pending, (std::vector<std::string>{"team/pending-small", "team/pending-big", "team/huge",
                                               "ml/gpu-0", "team/orphan-nominee"}));
  const api::Node* a = findNode(*state, "node-a");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->requested.get("cpu"), *api::Quantity::parse("3100m"));  // web-0 + preemptor
  ASSERT_EQ(a->pods.size(), 2u);
  EXPECT_EQ(a->pods[0].first, "team/web-0");
  EXPECT_EQ(a->pods[0].second.at("app"), "web");
  EXPECT_EQ(a->pods[1].first, "team/preemptor");
  EXPECT_FALSE(a->inFlight);
  EXPECT_EQ(state->podsListed, 12u);  // every decodable pod of both pages
  ASSERT_EQ(state->workload.daemonSets.size(), 1u);
  EXPECT_EQ(state->workload.daemonSets[0].requests.get("cpu"), *api::Quantity::parse("100m"));
}

TEST_F(ClusterReaderTest, UndecodableObjectsBecomeErrorsNamingObjectAndField) {
  auto state = read();
  ASSERT_TRUE(state) << state.error().toString();
  const auto& errors = state->workload.errors;
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0].source, kServer);
  EXPECT_EQ(errors[0].object, "Node node-bad");
  EXPECT_EQ(errors[0].field, "metadata.labels.team");
  EXPECT_EQ(errors[1].object, "Pod team/bad-pod");
  EXPECT_EQ(errors[1].field, "spec.containers[0].resources.requests.cpu");
  EXPECT_EQ(findNode(*state, "node-bad"), nullptr);
}

TEST_F(ClusterReaderTest, NodeClaimsWithoutANodeAreInFlightCapacity) {
  auto state = read();
  ASSERT_TRUE(state) << state.error().toString();
  EXPECT_EQ(state->claimsInFlight, 1u);
  const api::Node* launching = findNode(*state, "default-xyz34");
  ASSERT_NE(launching, nullptr);
  EXPECT_TRUE(launching->inFlight);
  EXPECT_EQ(launching->instanceType, "c5.2xlarge");
  EXPECT_EQ(launching->nodePool, "default");
  EXPECT_EQ(launching->labels.at("topology.kubernetes.io/zone"), "us-east-1b");
  EXPECT_EQ(launching->labels.at("karpenter.sh/capacity-type"), "on-demand");
  // No status.allocatable yet: sized from the catalog, not from its 1-CPU request.
  EXPECT_GT(launching->allocatable.get("cpu"), *api::Quantity::parse("7"));
  EXPECT_EQ(findNode(*state, "default-old"), nullptr);  // being deleted
  // Registered but not initialized: the Node is in flight and gets the GPU the claim promises.
  const api::Node* gpu = findNode(*state, "node-gpu-init");
  ASSERT_NE(gpu, nullptr);
  EXPECT_TRUE(gpu->inFlight);
  EXPECT_EQ(gpu->allocatable.get("nvidia.com/gpu").value(), 1);
  EXPECT_EQ(gpu->allocatable.get("cpu").value(), 4);  // the Node's own figure stays
  EXPECT_EQ(gpu->nodePool, "gpu");                    // from karpenter.sh/nodepool
  EXPECT_EQ(findNode(*state, "gpu-abc12"), nullptr);  // not counted twice
}

TEST_F(ClusterReaderTest, NodePoolUsageCountsNodesAndInFlightClaims) {
  auto state = read();
  ASSERT_TRUE(state) << state.error().toString();
  const auto& def = state->nodePoolUsage.at("default");
  EXPECT_EQ(def.get("nodes").value(), 2);       // node-a + the launching claim
  EXPECT_GE(def.get("cpu").value(), 4 + 8);     // node-a capacity + c5.2xlarge
  EXPECT_EQ(state->nodePoolUsage.at("gpu").get("nodes").value(), 1);
}

TEST_F(ClusterReaderTest, WithoutServedNodePoolsTheDefaultPoolPlansAndExistingRoomIsUsed) {
  auto state = read();
  ASSERT_TRUE(state) << state.error().toString();
  EXPECT_TRUE(state->workload.nodePools.empty());
  binpack::Snapshot snap = snapshotOf(*state, "us-east-1");
  ASSERT_EQ(snap.nodePools.size(), 1u);
  EXPECT_EQ(snap.nodePools[0].name, "default");
  EXPECT_EQ(snap.nodePoolUsage.at("default").get("nodes").value(), 2);

  auto report = planCluster(std::move(*state), *catalog_, "us-east-1");
  ASSERT_TRUE(report) << report.error().toString();
  std::map<std::string, std::pair<std::string, bool>> existing;
  for (const auto& e : report->plan.existing) existing[e.pod] = {e.node, e.inFlight};
  EXPECT_EQ(existing["team/pending-small"], std::make_pair(std::string("node-a"), false));
  EXPECT_EQ(existing["team/orphan-nominee"], std::make_pair(std::string("node-a"), false));
  EXPECT_EQ(existing["team/pending-big"], std::make_pair(std::string("default-xyz34"), true));
  EXPECT_EQ(existing["ml/gpu-0"], std::make_pair(std::string("node-gpu-init"), true));
  ASSERT_EQ(report->plan.nodes.size(), 1u);
  EXPECT_EQ(report->plan.nodes[0].pods, std::vector<std::string>{"team/huge"});
  EXPECT_TRUE(report->plan.unschedulable.empty());
  EXPECT_EQ(report->errors.size(), 2u);
}

TEST_F(ClusterReaderTest, KarpenterPoolsAreReadAndGantryPoolsOfTheSameNameWin) {
  auto pool = [](const std::string& name, const std::string& zone) {
    json p = json::parse(R"({"spec": {"template": {"spec": {"requirements": [
        {"key": "topology.kubernetes.io/zone", "operator": "In", "values": []}]}}}})");
    p["metadata"]["name"] = name;
    p["spec"]["template"]["spec"]["requirements"][0]["values"].push_back(zone);
    return p;
  };
  fixture_["/apis/gantry.dev/v1/nodepools"] = json::array({{{"items", json::array({pool("shared", "us-east-1a")})}}});
  fixture_["/apis/karpenter.sh/v1/nodepools"] = json::array(
      {{{"items", json::array({pool("shared", "us-east-1c"), pool("legacy", "us-east-1d"),
                               json{{"metadata", {{"name", "broken"}}}, {"spec", {{"weight", "high"}}}}})}}});
  auto state = read();
  ASSERT_TRUE(state) << state.error().toString();
  ASSERT_EQ(state->workload.nodePools.size(), 2u);
  EXPECT_EQ(state->workload.nodePools[0].name, "shared");
  EXPECT_EQ(state->workload.nodePools[0].requirements[0].values[0], "us-east-1a");
  EXPECT_EQ(state->workload.nodePools[1].name, "legacy");
  ASSERT_EQ(state->workload.errors.size(), 3u);
  EXPECT_EQ(state->workload.errors[2].object, "NodePool broken");
  EXPECT_EQ(state->workload.errors[2].field, "spec.weight");
}

TEST_F(ClusterReaderTest, NodeClassesOfBothGroupsAreReadAndGantryClassesOfTheSameNameWin) {
  auto nodeClass = [](const std::string& name, const std::string& family) {
    json c = json::parse(R"({"spec": {"role": "r", "amiSelectorTerms": [{"id": "ami-1"}],
        "subnetSelectorTerms": [{"id": "subnet-1"}],
        "securityGroupSelectorTerms": [{"id": "sg-1"}]}})");
    c["metadata"]["name"] = name;
    c["spec"]["amiFamily"] = family;
    return c;
  };
  fixture_["/apis/gantry.dev/v1/ec2nodeclasses"] =
      json::array({{{"items", json::array({nodeClass("default", "Bottlerocket")})}}});
  fixture_["/apis/karpenter.k8s.aws/v1/ec2nodeclasses"] = json::array(
      {{{"items",
         json::array({nodeClass("default", "AL2"), nodeClass("legacy", "Windows2022")})}}});
  auto state = read();
  ASSERT_TRUE(state) << state.error().toString();
  ASSERT_EQ(state->workload.nodeClasses.size(), 2u);
  EXPECT_EQ(state->workload.nodeClasses[0].name, "default");
  EXPECT_EQ(state->workload.nodeClasses[0].amiFamily, "Bottlerocket");
  EXPECT_EQ(state->workload.nodeClasses[1].name, "legacy");
  // planCluster hands each pool's class to the pricing hook.
  std::vector<std::string> asked;
  auto report = planCluster(std::move(*state), *catalog_, "us-east-1",
                            [&](const workload::Workload& input, const std::string& name) {
                              asked.push_back(name + "/" +
                                              std::to_string(input.nodeClasses.size()));
                              return 0.5;
                            });
  ASSERT_TRUE(report) << report.error().toString();
  EXPECT_FALSE(asked.empty());
  for (const auto& node : report->plan.nodes) {
    EXPECT_NEAR(node.nodeCostPerHour, node.pricePerHour + 0.5, 1e-12);
  }
}

TEST_F(ClusterReaderTest, ListFailureFailsTheReadWithItsKind) {
  http_.setHandler([](const http::Request&) -> Result<http::Response> {
    return FakeHttpClient::reply(403, json{{"kind", "Status"}, {"reason", "Forbidden"}, {"code", 403},
                                           {"message", "pods is forbidden: User \"bob\" cannot list"}}
                                          .dump());
  });
  auto state = read();
  ASSERT_FALSE(state);
  EXPECT_TRUE(state.error().isForbidden()) << state.error().toString();
  EXPECT_NE(state.error().message().find("GET /api/v1/nodes"), std::string::npos);
}

TEST_F(ClusterReaderTest, ForbiddenNodePoolListIsAnErrorNotAnEmptyList) {
  auto base = [this](const http::Request& req) -> Result<http::Response> {
    if (req.url.find("/nodepools") != std::string::npos) {
      return FakeHttpClient::reply(403, json{{"kind", "Status"}, {"reason", "Forbidden"}, {"code", 403}}.dump());
    }
    std::string path = req.url.substr(std::string(kServer).size());
    path = path.substr(0, path.find('?'));
    if (!fixture_.contains(path)) return FakeHttpClient::reply(404, "404 page not found");
    std::string token = queryParam(req.url, "continue");
    return FakeHttpClient::reply(200, fixture_[path].at(token.empty() ? 0 : 1).dump());
  };
  http_.setHandler(base);
  auto state = read();
  ASSERT_FALSE(state);
  EXPECT_TRUE(state.error().isForbidden()) << state.error().toString();
}

TEST_F(ClusterReaderTest, UnreachableClusterIsNamedByReadCluster) {
  kube::RestConfig config;
  config.server = "https://127.0.0.1:1";  // nothing listens on port 1
  auto state = readCluster(config, clock_, catalog_);  // retry backoff only moves the fake clock
  ASSERT_FALSE(state);
  EXPECT_TRUE(state.error().isUnavailable()) << state.error().toString();
  EXPECT_TRUE(state.error().message().starts_with("cannot read the cluster at https://127.0.0.1:1: "))
      << state.error().message();
}

TEST_F(ClusterReaderTest, NodePoolFilesReplaceTheClusterPools) {
  auto state = read();
  ASSERT_TRUE(state) << state.error().toString();
  Status s = overrideNodePools(*state, {std::string(GANTRY_SOURCE_DIR) + "/tests/unit/provisioner/testdata/gpu-pools.yaml"});
  ASSERT_TRUE(s.isOk()) << s.toString();
  EXPECT_FALSE(state->workload.nodePools.empty());
  Status none = overrideNodePools(*state, {std::string(GANTRY_SOURCE_DIR) + "/tests/unit/provisioner/testdata/gpu-pods.yaml"});
  EXPECT_TRUE(none.isInvalid()) << none.toString();
}

}  // namespace
}  // namespace gantry::provisioner
