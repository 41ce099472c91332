// The EC2NodeClass status controller against the real peers: EC2NodeClasses created in the
// test kube-apiserver, resolved by a real Ec2CloudProvider against moto (whose default subnets
// and security group carry gantry.dev/discovery=<cluster>, and which knows ami-12c6146b), and
// the status written through the status subresource by the controller running in-process
// with real informers. A good class turns Ready with its subnets, security group and AMI
// listed; one whose subnet selector matches nothing turns not Ready naming that selector, with
// a Warning Event; fixing its spec makes it Ready at once. Each test's classes carry a unique
// label the controller's informer selects on, so other suites' classes are never touched;
// everything is deleted afterwards.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <functional>
#include <random>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>
#include <prometheus/registry.h>

#include "cloudprovider/aws/auth/credentials_env.h"
#include "cloudprovider/aws/ec2_cloud_provider.h"
#include "cloudprovider/aws/ec2/query_ec2_api.h"
#include "cloudprovider/metered_cloud_provider.h"
#include "provisioner/nodeclass/status_controller.h"
#include "src/http/curl_http_client.h"
#include "src/kube/cluster_cache.h"
#include "src/kube/event_recorder.h"
#include "src/kube/kubeconfig.h"
#include "src/workload/manifest_loader.h"
#include "tests/support/controller_runner.h"
#include "tests/support/gantry_crds.h"
#include "tests/support/testenv.h"

namespace gantry::provisioner::nodeclass {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;
namespace aws = cloudprovider::aws;

constexpr char kTestLabel[] = "gantry.dev/status-it";
constexpr char kKnownAmi[] = "ami-12c6146b";

class NodeClassStatusIT : public gantry::testing::TestEnvTest {
 protected:
  void SetUp() override {
    TestEnvTest::SetUp();
    if (HasFatalFailure()) return;
    std::mt19937_64 rng{std::random_device{}()};
    suffix_ = std::to_string(::getpid()) + "-" + std::to_string(rng() % 100000);
    auto cfg = kube::loadKubeconfigFile(env().kubeconfig());
    ASSERT_TRUE(cfg) << cfg.error().toString();
    auto conn = kube::connect(*cfg, clock_, {.qps = 50, .burst = 100});
    ASSERT_TRUE(conn) << conn.error().toString();
    conn_ = std::move(*conn);
    ASSERT_NO_FATAL_FAILURE(gantry::testing::installGantryCrdsIfMissing(client()));

    credentials_ = std::make_unique<aws::StaticCredentialsProvider>(aws::Credentials{
        .accessKeyId = env().accessKeyId(), .secretAccessKey = env().secretAccessKey()});
    ec2_ = std::make_unique<aws::QueryEc2Api>(
        aws::QueryEc2ApiOptions{.region = env().region(), .endpoint = env().ec2Endpoint()}, http_,
        *credentials_, clock_, [](std::string_view) -> std::optional<std::string> { return std::nullopt; });
    // As the controller wires it: the provider's resolution, metered on its series.
    auto provider = std::make_unique<aws::Ec2CloudProvider>(
        aws::Ec2CloudProviderOptions{.clusterName = "nc-it-" + suffix_}, *ec2_, nullptr, clock_,
        nullptr, noNodeClasses_);
    aws::Ec2NodeClassStatusResolver& resolver = *provider;
    cloud_ = std::make_unique<cloudprovider::MeteredCloudProvider>(std::move(provider), registry_,
                                                                   clock_);
    resolver_ = std::make_unique<aws::MeteredEc2NodeClassStatusResolver>(resolver, *cloud_);
  }

  void TearDown() override {
    stopController();
    if (!conn_.client) return;
    for (const auto& name : created_) (void)client().remove(kube::kEc2NodeClassesPath.withName(name));
    for (const auto& name : createdPools_) (void)client().remove(kube::kNodePoolsPath.withName(name));
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

  // With `onlyReferenced`, as `gantry controller --nodepool-selector` runs it: the cache sees
  // only this test's NodePools and the controller only the classes they name.
  void startController(Clock::Duration resolvePeriod, bool onlyReferenced = false) {
    kube::ClusterCacheOptions options{
        // The controller reads no pods; the shared cluster may hold many.
        .pods = {.fieldSelector = "metadata.namespace=nc-it-" + suffix_ + "-none"},
        .nodePools = {.labelSelector = std::string(kTestLabel) + "=" + suffix_},
        .ec2NodeClasses = {.labelSelector = std::string(kTestLabel) + "=" + suffix_},
        .gantryResources = true};
    cache_ = std::make_unique<kube::ClusterCache>(client(), clock_, options);
    recorder_ = std::make_unique<kube::KubeEventRecorder>(client(), clock_);
    controller_ = StatusController::forCluster(
        *cache_, client(), *resolver_, *recorder_, clock_,
        {.resolvePeriod = resolvePeriod, .onlyReferencedClasses = onlyReferenced});
    ASSERT_NO_FATAL_FAILURE(runner_.start(*cache_, *controller_));
  }

  void stopController() {
    runner_.stop();
    if (recorder_) recorder_->stop();
  }

  // An EC2NodeClass named `name` whose subnet selector is the tag discovery=`subnetTag`, and
  // whose security group selector is `groupTerms` (default: the discovery tag of the env).
  void createNodeClass(const std::string& name, const std::string& subnetTag,
                       json groupTerms = nullptr) {
    if (groupTerms.is_null()) {
      groupTerms = json::array({{{"tags", {{"gantry.dev/discovery", env().clusterName()}}}}});
    }
    json object = {
        {"apiVersion", "gantry.dev/v1"},
        {"kind", "EC2NodeClass"},
        {"metadata", {{"name", name}, {"labels", {{kTestLabel, suffix_}}}}},
        {"spec",
         {{"amiFamily", "AL2023"},
          {"instanceProfile", "nc-it-profile"},
          {"subnetSelectorTerms", {{{"tags", {{"gantry.dev/discovery", subnetTag}}}}}},
          {"securityGroupSelectorTerms", groupTerms},
          {"amiSelectorTerms", {{{"id", kKnownAmi}}}}}}};
    auto made = client().create(kube::kEc2NodeClassesPath, object);
    ASSERT_TRUE(made) << made.error().toString();
    created_.push_back(name);
  }

  // A NodePool of this test naming the EC2NodeClass `nodeClass`.
  void createNodePool(const std::string& name, const std::string& nodeClass) {
    json object = {
        {"apiVersion", "gantry.dev/v1"},
        {"kind", "NodePool"},
        {"metadata", {{"name", name}, {"labels", {{kTestLabel, suffix_}}}}},
        {"spec",
         {{"template",
           {{"spec",
             {{"nodeClassRef", {{"group", "gantry.dev"}, {"kind", "EC2NodeClass"}, {"name", nodeClass}}},
              {"requirements", json::array()}}}}}}}};
    auto made = client().create(kube::kNodePoolsPath, object);
    ASSERT_TRUE(made) << made.error().toString();
    createdPools_.push_back(name);
  }

  Result<json> get(const std::string& name) {
    return client().get(kube::kEc2NodeClassesPath.withName(name));
  }
  static json condition(const json& object, std::string_view type) {
    if (!object.contains("status")) return json();
    for (const json& c : object["status"].value("conditions", json::array())) {
      if (c.value("type", "") == type) return c;
    }
    return json();
  }
  // Waits until the class's Ready condition has `status`; returns the object then.
  json waitForReady(const std::string& name, const std::string& status, std::chrono::seconds timeout) {
    json last;
    waitFor(timeout, [&] {
      auto got = get(name);
      if (!got) return false;
      last = *got;
      const json ready = condition(last, "Ready");
      return ready.is_object() && ready.value("status", "") == status;
    });
    return last;
  }
  double resolveCalls() {
    for (const auto& f : registry_.Collect()) {
      if (f.name != "gantry_cloudprovider_calls_total") continue;
      for (const auto& m : f.metric) {
        for (const auto& l : m.label) {
          if (l.name == "method" && l.value == "resolveNodeClass") return m.counter.value;
        }
      }
    }
    return 0;
  }

  RealClock clock_;
  http::CurlHttpClient http_;
  kube::Connection conn_;
  prometheus::Registry registry_;
  std::string suffix_;
  std::vector<std::string> created_;
  std::vector<std::string> createdPools_;
  std::unique_ptr<aws::StaticCredentialsProvider> credentials_;
  std::unique_ptr<aws::QueryEc2Api> ec2_;
  aws::InMemoryEc2NodeClassSource noNodeClasses_;  // the status controller launches nothing
  std::unique_ptr<cloudprovider::MeteredCloudProvider> cloud_;
  std::unique_ptr<aws::MeteredEc2NodeClassStatusResolver> resolver_;
  std::unique_ptr<kube::ClusterCache> cache_;
  std::unique_ptr<kube::KubeEventRecorder> recorder_;
  std::unique_ptr<StatusController> controller_;
  gantry::testing::ControllerRunner runner_;
};

TEST_F(NodeClassStatusIT, GoodClassIsReadyAndBrokenSelectorsAreNotReadyNamingThem) {
  const std::string good = "nc-it-good-" + suffix_;
  const std::string bad = "nc-it-bad-" + suffix_;
  const std::string nothing = "nothing-" + suffix_;
  ASSERT_NO_FATAL_FAILURE(createNodeClass(good, env().clusterName()));
  ASSERT_NO_FATAL_FAILURE(createNodeClass(bad, nothing));
  const std::string unknownGroup = "nc-it-sg-" + suffix_;
  ASSERT_NO_FATAL_FAILURE(createNodeClass(unknownGroup, env().clusterName(),
                                          json::array({{{"id", "sg-0123456789abcdef0"}}})));
  ASSERT_NO_FATAL_FAILURE(startController(3s));

  // The good class: Ready, with what moto holds for its selectors.
  const json g = waitForReady(good, "True", 60s);
  ASSERT_EQ(condition(g, "Ready").value("status", ""), "True") << g.dump(2);
  for (const char* part : {"SubnetsReady", "SecurityGroupsReady", "AMIsReady"}) {
    EXPECT_EQ(condition(g, part).value("status", ""), "True") << part;
  }
  auto tagged = ec2_->describeSubnets(
      {.filters = {{.name = "tag:gantry.dev/discovery", .values = {env().clusterName()}}}});
  ASSERT_TRUE(tagged) << tagged.error().toString();
  ASSERT_FALSE(tagged->empty());
  std::set<std::string> want, have;
  for (const auto& s : *tagged) want.insert(s.subnetId);
  for (const json& s : g["status"]["subnets"]) {
    have.insert(s.value("id", ""));
    EXPECT_TRUE(s.value("zone", "").starts_with(env().region())) << s.dump();
  }
  EXPECT_EQ(have, want);
  ASSERT_FALSE(g["status"]["securityGroups"].empty()) << g.dump(2);
  EXPECT_TRUE(g["status"]["securityGroups"][0].value("id", "").starts_with("sg-"));
  ASSERT_EQ(g["status"]["amis"].size(), 1u) << g.dump(2);
  EXPECT_EQ(g["status"]["amis"][0]["id"], kKnownAmi);
  EXPECT_EQ(g["status"]["amis"][0]["requirements"][0]["key"], "kubernetes.io/arch");
  EXPECT_EQ(g["status"]["instanceProfile"], "nc-it-profile");

  // The bad class: not Ready, naming the selector that matched nothing; the rest still listed.
  const json b = waitForReady(bad, "False", 60s);
  const json ready = condition(b, "Ready");
  ASSERT_EQ(ready.value("status", ""), "False") << b.dump(2);
  EXPECT_EQ(ready.value("reason", ""), "SubnetsNotFound");
  const std::string message = ready.value("message", "");
  EXPECT_NE(message.find("spec.subnetSelectorTerms [0] tags={gantry.dev/discovery=" + nothing + "}"),
            std::string::npos)
      << message;
  EXPECT_EQ(condition(b, "SubnetsReady").value("status", ""), "False");
  EXPECT_EQ(condition(b, "SecurityGroupsReady").value("status", ""), "True");
  EXPECT_TRUE(b["status"]["subnets"].empty());
  EXPECT_FALSE(b["status"]["securityGroups"].empty());

  // The Warning Event on the bad class (cluster-scoped: in "default").
  ASSERT_TRUE(recorder_->flush(5000ms));
  auto events = client().list(kube::ResourcePath{.resource = "events", .ns = "default"},
                              {.fieldSelector = "involvedObject.name=" + bad});
  ASSERT_TRUE(events) << events.error().toString();
  bool warned = false;
  for (const json& e : (*events)["items"]) {
    warned |= e.value("reason", "") == "NodeClassNotReady" && e.value("type", "") == "Warning" &&
              e["involvedObject"].value("kind", "") == "EC2NodeClass";
  }
  EXPECT_TRUE(warned) << events->dump();

  // A security group id EC2 does not know: its own False condition, with EC2's message.
  const json g2 = waitForReady(unknownGroup, "False", 30s);
  const json groups = condition(g2, "SecurityGroupsReady");
  ASSERT_EQ(groups.value("status", ""), "False") << g2.dump(2);
  EXPECT_EQ(groups.value("reason", ""), "SecurityGroupsNotFound");
  EXPECT_NE(groups.value("message", "").find("[0] id=sg-0123456789abcdef0 ("), std::string::npos)
      << groups.dump();
  EXPECT_NE(groups.value("message", "").find("InvalidGroup.NotFound"), std::string::npos)
      << groups.dump();
  EXPECT_EQ(condition(g2, "SubnetsReady").value("status", ""), "True");

  // Re-resolved every period (3s) without rewriting a status that did not change.
  const std::string version = g["metadata"].value("resourceVersion", "");
  const double calls = resolveCalls();
  std::this_thread::sleep_for(7s);
  EXPECT_GE(resolveCalls(), calls + 2) << "resolved again each period";
  auto later = get(good);
  ASSERT_TRUE(later) << later.error().toString();
  EXPECT_EQ((*later)["metadata"].value("resourceVersion", ""), version) << "no write without a change";
}

TEST_F(NodeClassStatusIT, FixingTheSpecMakesTheClassReadyAtOnce) {
  const std::string name = "nc-it-fix-" + suffix_;
  ASSERT_NO_FATAL_FAILURE(createNodeClass(name, "nothing-" + suffix_));
  // A period far longer than the test: only the spec change can trigger the second resolution.
  ASSERT_NO_FATAL_FAILURE(startController(std::chrono::hours(1)));
  const json broken = waitForReady(name, "False", 60s);
  ASSERT_EQ(condition(broken, "Ready").value("status", ""), "False") << broken.dump(2);

  json fix = {{"spec",
               {{"subnetSelectorTerms", {{{"tags", {{"gantry.dev/discovery", env().clusterName()}}}}}}}}};
  auto patched = client().patch(kube::kEc2NodeClassesPath.withName(name), kube::PatchType::kMerge, fix);
  ASSERT_TRUE(patched) << patched.error().toString();
  const int64_t generation = (*patched)["metadata"].value("generation", int64_t{0});
  const json fixed = waitForReady(name, "True", 20s);
  ASSERT_EQ(condition(fixed, "Ready").value("status", ""), "True") << fixed.dump(2);
  EXPECT_EQ(condition(fixed, "Ready").value("observedGeneration", int64_t{0}), generation);
  EXPECT_FALSE(fixed["status"]["subnets"].empty());
}

// Two Gantry instances (or two parallel e2e runs) in one cluster, each with its own
// --nodepool-selector: each resolves only the classes its pools name, so neither overwrites the
// other's status. A class becomes ours as soon as one of our pools names it.
TEST_F(NodeClassStatusIT, WithOnlyReferencedClassesAClassNoSelectedPoolNamesIsLeftAlone) {
  const std::string ours = "nc-it-ours-" + suffix_;
  const std::string theirs = "nc-it-theirs-" + suffix_;
  ASSERT_NO_FATAL_FAILURE(createNodeClass(ours, env().clusterName()));
  ASSERT_NO_FATAL_FAILURE(createNodeClass(theirs, env().clusterName()));
  ASSERT_NO_FATAL_FAILURE(createNodePool("nc-it-pool-" + suffix_, ours));
  ASSERT_NO_FATAL_FAILURE(startController(std::chrono::hours(1), /*onlyReferenced=*/true));

  const json o = waitForReady(ours, "True", 60s);
  ASSERT_EQ(condition(o, "Ready").value("status", ""), "True") << o.dump(2);
  std::this_thread::sleep_for(3s);  // time enough to have written theirs too, were it ours
  auto t = get(theirs);
  ASSERT_TRUE(t) << t.error().toString();
  EXPECT_FALSE(condition(*t, "Ready").is_object()) << "no pool of ours names it: " << t->dump(2);

  ASSERT_NO_FATAL_FAILURE(createNodePool("nc-it-pool2-" + suffix_, theirs));
  const json now = waitForReady(theirs, "True", 30s);
  EXPECT_EQ(condition(now, "Ready").value("status", ""), "True") << now.dump(2);
}

}  // namespace
}  // namespace gantry::provisioner::nodeclass
