// The fixture every `gantry controller` e2e suite shares: one run = one unique name used for
// the controller's --cluster-name (so only this run's instances are seen), its namespace,
// its NodePools (label e2e-run=<run>) and EC2NodeClasses, all removed afterwards. It starts
// the real binary as the Helm chart runs it (in_cluster_launch.h: the chart's args,
// in-cluster as the gantry service account) against the test environment and reads what it
// did from the apiserver, moto and the controller's log. Needs tests/testenv/up; fails,
// never skips, without it.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <map>
#include <random>
#include <thread>

#include <nlohmann/json.hpp>

#include "cloudprovider/aws/auth/credentials_env.h"
#include "cloudprovider/aws/ec2_cloud_provider.h"
#include "cloudprovider/aws/ec2/query_ec2_api.h"
#include "src/http/curl_http_client.h"
#include "src/kube/cluster_cache.h"
#include "src/kube/kubeconfig.h"
#include "src/kube/rest_client.h"
#include "tests/e2e/controller_process.h"
#include "tests/e2e/in_cluster_launch.h"
#include "tests/e2e/objects.h"
#include "tests/support/fault_table.h"
#include "tests/support/gantry_crds.h"
#include "tests/support/run_command.h"
#include "tests/support/testenv.h"

namespace gantry::e2e {

using json = nlohmann::json;
using namespace std::chrono_literals;
namespace aws = cloudprovider::aws;

inline const kube::ResourcePath kNamespaces{.resource = "namespaces"};
inline const kube::ResourcePath kNodes{.resource = "nodes"};

inline long long msBetween(std::chrono::system_clock::time_point a, std::chrono::system_clock::time_point b) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(b - a).count();
}

// Polls `done` every 100 ms until it holds or `timeout` passes.
inline bool eventually(const std::function<bool()>& done, std::chrono::milliseconds timeout,
                       std::chrono::milliseconds every = 100ms) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    if (done()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(every);
  }
}

// The status of condition `type` on an object ("" when absent), and its whole entry.
inline json condition(const json& object, std::string_view type) {
  for (const auto& c : object.value("status", json::object()).value("conditions", json::array())) {
    if (c.value("type", "") == type) return c;
  }
  return json::object();
}
inline std::string conditionStatus(const json& object, std::string_view type) {
  return condition(object, type).value("status", "");
}

class GantryE2eTest : public testing::TestEnvTest {
 protected:
  void SetUp() override {
    TestEnvTest::SetUp();
    if (HasFatalFailure()) return;
    std::mt19937_64 rng{std::random_device{}()};
    run_ = "e2e-" + std::to_string(rng() % 1000000);
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
                                                        *ec2_, nullptr, clock_, nullptr, noNodeClasses_);
    faults_ = std::make_unique<testing::FaultTable>(http_, env().faultsEndpoint());
    ASSERT_NO_FATAL_FAILURE(testing::installGantryCrdsIfMissing(client()));
    kube::RestClient& c = client();
    auto r = c.create(kNamespaces, {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", run_}}}});
    ASSERT_TRUE(r) << r.error().message();
  }

  void TearDown() override {
    if (controller_) {
      (void)controller_->terminate(10s);
      if (HasFailure()) std::printf("--- controller output ---\n%s\n", controller_->output().c_str());
    }
    faults_.reset();
    if (provider_) {
      if (auto mine = provider_->list(); mine && !mine->empty()) {
        std::vector<std::string> ids;
        for (const auto& i : *mine) ids.push_back(i.providerId);
        (void)provider_->deleteInstances(ids);
      }
    }
    if (!conn_.client) return;
    kube::RestClient& c = client();
    const kube::ListOptions mine{.labelSelector = "e2e-run=" + run_};
    (void)c.remove(kNamespaces.withName(run_), {.propagationPolicy = "Background"});
    for (const kube::ResourcePath* path : {&kube::kNodeClaimsPath, &kNodes}) {
      if (auto list = c.listAll(*path, mine)) {
        for (const auto& item : list->items) {
          const std::string name = item["metadata"]["name"];
          (void)c.patch(path->withName(name), kube::PatchType::kMerge, json{{"metadata", {{"finalizers", nullptr}}}});
          (void)c.remove(path->withName(name));
        }
      }
    }
    (void)c.remove(leasePath());
    for (const auto& pool : pools_) (void)c.remove(kube::kNodePoolsPath.withName(pool));
    for (const auto& nodeClass : nodeClasses_) (void)c.remove(kube::kEc2NodeClassesPath.withName(nodeClass));
  }

  kube::RestClient& client() { return *conn_.client; }

  // An EC2NodeClass over the environment's tagged subnets and security group, with the AMI
  // alias users write (al2023@latest: the EKS-optimized images, read from the SSM parameters
  // the environment publishes; amiFamily is implied). `registers`: its instances carry the
  // tag the node bootstrapper looks for (testenv.gantry.dev/bootstrap), so each becomes a
  // Node; without it they boot and never register. `alias`: another AMI alias.
  void createNodeClass(const std::string& name, bool registers,
                       const std::string& alias = "al2023@latest") {
    json spec = {{"amiSelectorTerms", json::array({{{"alias", alias}}})},
                 {"role", "GantryNodeRole"},
                 {"subnetSelectorTerms", json::array({{{"tags", {{"gantry.dev/discovery", env().clusterName()}}}}})},
                 {"securityGroupSelectorTerms",
                  json::array({{{"tags", {{"gantry.dev/discovery", env().clusterName()}}}}})}};
    if (registers) spec["tags"] = {{"testenv.gantry.dev/bootstrap", env().clusterName()}};
    auto r = client().create(kube::kEc2NodeClassesPath, {{"apiVersion", "gantry.dev/v1"},
                                                         {"kind", "EC2NodeClass"},
                                                         {"metadata", {{"name", name}}},
                                                         {"spec", spec}});
    ASSERT_TRUE(r) << r.error().message();
    nodeClasses_.push_back(name);
  }

  // An on-demand NodePool of the given types whose nodes carry e2e-run=<run>. `disruption`,
  // when given, is its spec.disruption (consolidationPolicy, consolidateAfter, budgets);
  // without it the CRD's defaults apply (consolidateAfter 0s, budgets [{nodes: 10%}]).
  void createNodePool(const std::string& name, const std::string& nodeClass,
                      const std::vector<std::string>& types, const json& limits,
                      const json& disruption = nullptr) {
    json requirements = json::array(
        {{{"key", "node.kubernetes.io/instance-type"}, {"operator", "In"}, {"values", types}},
         {{"key", "gantry.dev/capacity-type"}, {"operator", "In"}, {"values", json::array({"on-demand"})}}});
    json pool = {{"apiVersion", "gantry.dev/v1"},
                 {"kind", "NodePool"},
                 {"metadata", {{"name", name}, {"labels", {{"e2e-run", run_}}}}},
                 {"spec",
                  {{"template",
                    {{"metadata", {{"labels", {{"e2e-run", run_}}}}},
                     {"spec",
                      {{"nodeClassRef", {{"group", "gantry.dev"}, {"kind", "EC2NodeClass"}, {"name", nodeClass}}},
                       {"requirements", requirements}}}}},
                   {"limits", limits}}}};
    if (!disruption.is_null()) pool["spec"]["disruption"] = disruption;
    auto r = client().create(kube::kNodePoolsPath, pool);
    ASSERT_TRUE(r) << r.error().message();
    pools_.push_back(name);
  }

  // Pods of this run land only on this run's nodes: e2e tests run side by side, and the
  // scheduler would otherwise bind one run's pending GPU pod to another run's fresh node.
  json runSelector() const { return {{"e2e-run", run_}}; }

  // A Katib-style trial Job: `parallelism` pods, each with `gpus` nvidia.com/gpu as a limit.
  // `podMetadata` (labels, annotations) goes on its pod template, e.g. the test environment's
  // gantry.dev/test-complete-after, which makes KWOK finish the pod (testenv README).
  void createJob(const std::string& name, int parallelism, int gpus, const json& podMetadata = json::object()) {
    json job = {
        {"apiVersion", "batch/v1"},
        {"kind", "Job"},
        {"metadata", {{"name", name}, {"namespace", run_}}},
        {"spec",
         {{"parallelism", parallelism},
          {"completions", parallelism},
          {"template",
           {{"spec",
             {{"restartPolicy", "Never"},
              {"nodeSelector", runSelector()},
              {"containers", json::array({{{"name", "trial"},
                                           {"image", "busybox"},
                                           {"resources", {{"limits", {{"nvidia.com/gpu", std::to_string(gpus)}}}}}}})}}}}}}}};
    if (!podMetadata.empty()) job["spec"]["template"]["metadata"] = podMetadata;
    auto r = client().create({.group = "batch", .resource = "jobs", .ns = run_}, job);
    ASSERT_TRUE(r) << r.error().message();
  }

  // A bare pod asking for `gpus` nvidia.com/gpu; `metadata` (labels, annotations) is merged
  // into its metadata.
  void createPod(const std::string& name, int gpus, const json& metadata = json::object()) {
    json pod = {{"apiVersion", "v1"},
                {"kind", "Pod"},
                {"metadata", {{"name", name}, {"namespace", run_}}},
                {"spec",
                 {{"nodeSelector", runSelector()},
                  {"containers", json::array({{{"name", "trial"},
                                              {"image", "busybox"},
                                              {"resources", {{"limits", {{"nvidia.com/gpu", std::to_string(gpus)}}}}}}})}}}};
    pod["metadata"].update(metadata);
    auto r = client().create({.resource = "pods", .ns = run_}, pod);
    ASSERT_TRUE(r) << r.error().message();
  }

  // The service-account mount of a pod of the chart (token, ca.crt, namespace) for the gantry
  // service account of deploy/rbac.yaml (applied first): the controller has exactly the chart's
  // rights. Made once per test under its temp directory; a real one-hour token.
  const std::string& serviceAccountDir() {
    if (!serviceAccountDir_.empty()) return serviceAccountDir_;
    const std::string kubectl = env().get("GANTRY_TESTENV_BIN") + "/kubectl --kubeconfig '" + env().kubeconfig() + "' ";
    const std::string apply = kubectl + "apply -f '" + std::string(GANTRY_SOURCE_DIR) + "/deploy/rbac.yaml'";
    auto applied = testing::runCommand(apply);
    // Tests start in parallel on a fresh apiserver: two client-side applies can both find an
    // object missing and both create it; the later fails with AlreadyExists. Again, it patches.
    for (int attempt = 1; applied.exitCode != 0 && attempt < 3; ++attempt) {
      applied = testing::runCommand(apply);
    }
    EXPECT_EQ(applied.exitCode, 0) << applied.err;
    auto token = testing::runCommand(kubectl + "create token gantry -n " + chart().podNamespace + " --duration 1h");
    EXPECT_EQ(token.exitCode, 0) << token.err;
    // The test environment's CA, next to its env file (tests/testenv/lib/pki.sh).
    const std::string ca = std::filesystem::path(env().path()).parent_path() / "pki" / "ca.crt";
    const std::string dir = ::testing::TempDir() + "gantry-sa-" + run_;
    std::string error;
    EXPECT_TRUE(writeServiceAccountDir(dir, token.out, ca, chart().podNamespace, error)) << error;
    if (applied.exitCode == 0 && token.exitCode == 0 && error.empty()) serviceAccountDir_ = dir;
    return serviceAccountDir_;
  }

  // This run's leader-election Lease, in the chart's namespace.
  kube::ResourcePath leasePath() {
    return kube::ResourcePath{.group = "coordination.k8s.io", .resource = "leases", .ns = chart().podNamespace}
        .withName(run_);
  }

  // The chart's controller container, read once from deploy/manifests/gantry.yaml.
  const ChartController& chart() {
    static const ChartController kChart = [] {
      std::string error;
      auto c = readChartController(std::string(GANTRY_SOURCE_DIR) + "/deploy/manifests/gantry.yaml", error);
      EXPECT_TRUE(c) << error;
      return c.value_or(ChartController{});
    }();
    return kChart;
  }

  // A `gantry controller` of this run as the chart runs it (its args and in-cluster mode, see
  // in_cluster_launch.h) with what a test must change on top: this run's cluster name,
  // namespace, NodePool selector and Lease name (parallel tests must not share the chart's
  // one Lease), moto's endpoints, free ports (returned through `metricsPort`, `healthPort`),
  // then `extra` (e.g. {"--batch-idle", "1s"}); `extraEnv` joins its environment. Returns
  // once started; null (with a failure) if it could not be.
  std::unique_ptr<testing::ControllerProcess> launchController(const std::vector<std::string>& extra,
                                                               const std::map<std::string, std::string>& extraEnv,
                                                               int& metricsPort, int& healthPort) {
    const std::string& saDir = serviceAccountDir();
    EXPECT_FALSE(chart().args.empty());
    if (saDir.empty() || chart().args.empty()) return nullptr;
    FlagList flags(chart().args);
    flags.overlay(FlagList({"--cluster-name", run_, "--region", env().region(), "--ec2-endpoint", env().ec2Endpoint(),
                            "--pricing-endpoint", env().get("GANTRY_PRICING_ENDPOINT"),
                            "--ssm-endpoint", env().ec2Endpoint(),  // moto serves SSM on the same port
                            "--namespace", run_, "--nodepool-selector", "e2e-run=" + run_,
                            "--leader-elect-name", run_}));
    setListenPorts(flags, metricsPort = freeLoopbackPort(), healthPort = freeLoopbackPort());
    flags.overlay(FlagList(extra));
    auto admin = kube::loadKubeconfigFile(env().kubeconfig());  // the apiserver's address
    EXPECT_TRUE(admin) << admin.error().message();
    if (!admin) return nullptr;
    std::map<std::string, std::string> childEnv = inClusterEnv(admin->server, chart().podNamespace);
    childEnv.insert({{"AWS_ACCESS_KEY_ID", env().accessKeyId()},
                     {"AWS_SECRET_ACCESS_KEY", env().secretAccessKey()},
                     {"AWS_REGION", env().region()}});
    // The env file names the environment's one interruption queue: a controller reads it only
    // when its test asks (extraEnv), since controllers side by side would take each other's
    // messages.
    childEnv["GANTRY_INTERRUPTION_QUEUE"] = "";
    for (const auto& [k, v] : extraEnv) childEnv[k] = v;
    // GANTRY_E2E_BINARY runs another build of the same source (an optimised one, to measure).
    const char* binary = std::getenv("GANTRY_E2E_BINARY");
    const auto argv = inClusterArgv(saDir, binary && *binary ? binary : GANTRY_BINARY, flags.args());
    auto process = std::make_unique<testing::ControllerProcess>();
    EXPECT_TRUE(process->start(argv[0], {argv.begin() + 1, argv.end()}, childEnv));
    return process;
  }

  // `gantry controller` for this run (launchController), once its catalog is loaded (pods
  // created afterwards see only the batch window and the launch in their latency). A
  // controller still running is killed first.
  void startController(std::vector<std::string> extra = {},
                       const std::map<std::string, std::string>& extraEnv = {}) {
    controller_.reset();
    // The chart turns leader election on. A replacement for a crashed controller would wait
    // out its Lease (15 s) as a new pod would; these tests are about what comes after, so the
    // dead holder's Lease goes first.
    (void)client().remove(leasePath());
    int healthPort = 0;
    controller_ = launchController(extra, extraEnv, metricsPort_, healthPort);
    ASSERT_TRUE(controller_);
    ASSERT_TRUE(controller_->waitFor("loaded instance types", 180s)) << controller_->output();
  }

  std::vector<json> list(const kube::ResourcePath& path, const std::string& labelSelector = "") {
    auto r = client().listAll(path, {.labelSelector = labelSelector});
    EXPECT_TRUE(r) << r.error().message();
    return r ? r->items : std::vector<json>{};
  }
  std::vector<json> claims() { return list(kube::kNodeClaimsPath, "e2e-run=" + run_); }
  std::vector<json> nodes() { return list(kNodes, "e2e-run=" + run_); }
  std::vector<json> pods() { return list({.resource = "pods", .ns = run_}); }
  json nodePool(const std::string& name) {
    auto r = client().get(kube::kNodePoolsPath.withName(name));
    EXPECT_TRUE(r) << r.error().message();
    return r ? *r : json::object();
  }

  // This run's instances in moto that are not shutting down or gone.
  std::vector<cloudprovider::CloudInstance> liveInstances() {
    auto all = provider_->list();
    EXPECT_TRUE(all) << all.error().message();
    std::vector<cloudprovider::CloudInstance> out;
    if (!all) return out;
    for (const auto& i : *all) {
      if (i.state == "pending" || i.state == "running") out.push_back(i);
    }
    return out;
  }

  // The controller's /metrics text ("" when it cannot be read); another replica's by `port`.
  std::string metricsText(int port = 0) {
    auto r = http_.send(
        {.url = "http://127.0.0.1:" + std::to_string(port ? port : metricsPort_) + "/metrics", .timeout = 5s});
    EXPECT_TRUE(r && r->status == 200) << (r ? "HTTP " + std::to_string(r->status) : r.error().message());
    return r && r->status == 200 ? r->body : "";
  }
  // The sum of the samples of `name` whose labels include every one of `labels` (0 if none).
  double metricValue(const std::string& name, const std::map<std::string, std::string>& labels, int port = 0) {
    const std::string text = metricsText(port);
    double sum = 0;
    size_t at = 0;
    while (at < text.size()) {
      size_t end = text.find('\n', at);
      if (end == std::string::npos) end = text.size();
      const std::string line = text.substr(at, end - at);
      at = end + 1;
      if (!line.starts_with(name + "{") && !line.starts_with(name + " ")) continue;
      const size_t close = line.rfind('}');
      const std::string labelText = close == std::string::npos ? "" : line.substr(0, close + 1);
      bool all = true;
      for (const auto& [k, v] : labels) all = all && labelText.find(k + "=\"" + v + "\"") != std::string::npos;
      if (all) sum += std::stod(line.substr(line.rfind(' ') + 1));
    }
    return sum;
  }

  // Events about one object (cluster-scoped objects' events are in "default").
  std::vector<json> eventsFor(const std::string& name, const std::string& ns, const std::string& reason = "") {
    std::string selector = "involvedObject.name=" + name;
    if (!reason.empty()) selector += ",reason=" + reason;
    auto r = client().listAll({.resource = "events", .ns = ns}, {.fieldSelector = selector});
    EXPECT_TRUE(r) << r.error().message();
    return r ? r->items : std::vector<json>{};
  }

  RealClock clock_;
  http::CurlHttpClient http_;
  std::string run_;
  kube::Connection conn_;
  std::unique_ptr<aws::CredentialsProvider> credentials_;
  std::unique_ptr<aws::QueryEc2Api> ec2_;
  aws::InMemoryEc2NodeClassSource noNodeClasses_;  // provider_ only lists, gets and deletes
  std::unique_ptr<aws::Ec2CloudProvider> provider_;
  std::unique_ptr<testing::FaultTable> faults_;
  std::unique_ptr<testing::ControllerProcess> controller_;
  int metricsPort_ = 0;  // the running controller's
  std::string serviceAccountDir_;
  std::vector<std::string> pools_;
  std::vector<std::string> nodeClasses_;
};

}  // namespace gantry::e2e
