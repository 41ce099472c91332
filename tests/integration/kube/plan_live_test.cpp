// `gantry plan --kubeconfig` against the real kube-apiserver, scheduler and KWOK of
// tests/testenv: a Katib-style Job of three 1-GPU pods that kube-scheduler marks Unschedulable
// (no node has GPUs) and a small CPU pod with room on a KWOK node of ours. The real binary
// must plan NVIDIA nodes for the GPU pods and the existing node for the CPU pod, and write
// nothing. The cluster is shared: every assertion is scoped to this test's namespace and node.
#include <gtest/gtest.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "cloudprovider/catalog/bundled_catalog.h"
#include "src/common/clock.h"
#include "src/kube/kubeconfig.h"
#include "src/kube/rest_client.h"
#include "tests/support/run_command.h"
#include "tests/support/testenv.h"

namespace gantry::kube {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

using gantry::testing::CommandResult;

CommandResult runGantry(const std::string& args) {
  return gantry::testing::runCommand(std::string(GANTRY_BINARY) + " " + args);
}

// `reason` "" matches any reason.
bool hasCondition(const json& object, const std::string& type, const std::string& status,
                  const std::string& reason) {
  const json conds = object.value("status", json::object()).value("conditions", json::array());
  for (const auto& c : conds) {
    if (c.value("type", "") == type && c.value("status", "") == status &&
        (reason.empty() || c.value("reason", "") == reason)) {
      return true;
    }
  }
  return false;
}

class PlanLiveIT : public gantry::testing::TestEnvTest {
 protected:
  void SetUp() override {
    TestEnvTest::SetUp();
    if (HasFatalFailure()) return;
    auto cfg = loadKubeconfigFile(env().kubeconfig());
    ASSERT_TRUE(cfg) << cfg.error().toString();
    config_ = *cfg;
    auto conn = connect(*cfg, clock_, {.qps = 50, .burst = 100});
    ASSERT_TRUE(conn) << conn.error().toString();
    conn_ = std::move(*conn);
    std::mt19937_64 rng(std::random_device{}());
    const std::string id = std::to_string(::getpid()) + "-" + std::to_string(rng() % 100000);
    ns_ = "plan-it-" + id;
    node_ = "plan-it-node-" + id;
    auto created = client().create(kNamespaces, json{{"metadata", {{"name", ns_}}}});
    ASSERT_TRUE(created) << created.error().toString();
    // Controllers fill a new namespace asynchronously: pods are refused until its default
    // ServiceAccount exists, and the root CA ConfigMap would show up as a "new object".
    ASSERT_TRUE(waitFor([&] {
      return client().get(ResourcePath{.resource = "serviceaccounts", .ns = ns_}.withName("default")) &&
             client().get(ResourcePath{.resource = "configmaps", .ns = ns_}.withName("kube-root-ca.crt"));
    }, 60s)) << "namespace " << ns_ << " was not set up by the controllers";
  }
  void TearDown() override {
    if (!conn_.client) return;
    if (!ns_.empty()) (void)client().remove(kNamespaces.withName(ns_), {.propagationPolicy = "Background"});
    if (!node_.empty()) (void)client().remove(kNodesPath.withName(node_));
  }

  RestClient& client() { return *conn_.client; }
  ResourcePath pods() const { return {.resource = "pods", .ns = ns_}; }
  ResourcePath jobs() const { return {.group = "batch", .resource = "jobs", .ns = ns_}; }

  // Polls `done` every 250 ms up to `limit`; true once it holds.
  static bool waitFor(const std::function<bool()>& done, std::chrono::seconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
      if (done()) return true;
      std::this_thread::sleep_for(250ms);
    }
    return done();
  }

  // A KWOK-managed Node with 4 CPUs, tainted so only this test's pod goes there, and
  // labelled so only this test's pod selects it.
  json kwokNode() const {
    const json room = {{"cpu", "4"}, {"memory", "8Gi"}, {"pods", "110"}};
    return {{"apiVersion", "v1"}, {"kind", "Node"},
            {"metadata", {{"name", node_},
                          {"annotations", {{"kwok.x-k8s.io/node", "fake"}}},
                          {"labels", {{"kubernetes.io/hostname", node_}, {"kubernetes.io/os", "linux"},
                                      {"kubernetes.io/arch", "amd64"}, {"type", "kwok"},
                                      {"gantry-it/plan-node", node_}}}}},
            {"spec", {{"taints", json::array({{{"key", "gantry-it/plan"}, {"value", node_},
                                                {"effect", "NoSchedule"}}})}}},
            {"status", {{"capacity", room}, {"allocatable", room}}}};
  }

  // Katib-style trials: 3 pods at once, each limits nvidia.com/gpu: 1.
  static json gpuJob() {
    return json::parse(R"({
      "apiVersion": "batch/v1", "kind": "Job",
      "metadata": {"name": "gpu-trials", "labels": {"katib.kubeflow.org/experiment": "plan-it"}},
      "spec": {"parallelism": 3, "completions": 3, "backoffLimit": 0,
        "template": {"metadata": {"labels": {"app": "plan-it-gpu"}},
          "spec": {"restartPolicy": "Never",
            "containers": [{"name": "trial", "image": "trainer:latest",
              "resources": {"requests": {"cpu": "1", "memory": "2Gi"}, "limits": {"nvidia.com/gpu": "1"}}}]}}}})");
  }

  // A small CPU pod that only our node can take. It names a scheduler that does not run,
  // so kube-scheduler does not bind it to our node before `plan` looks: the test plays the
  // scheduler whose last verdict (Unschedulable) predates the node, which is exactly when
  // a plan should say "fits on an existing node".
  json cpuPod() const {
    return {{"apiVersion", "v1"}, {"kind", "Pod"},
            {"metadata", {{"name", "cpu-small"}}},
            {"spec", {{"schedulerName", "plan-it-held"},
                      {"nodeSelector", {{"gantry-it/plan-node", node_}}},
                      {"tolerations", json::array({{{"key", "gantry-it/plan"}, {"operator", "Exists"}}})},
                      {"containers", json::array({{{"name", "c"}, {"image", "app:latest"},
                                                   {"resources", {{"requests", {{"cpu", "250m"}, {"memory", "256Mi"}}}}}}})}}}};
  }

  // What must not change while `plan` runs: pod uids and bindings, the CPU pod's and the
  // namespace's resourceVersion (nothing else writes those), the Job's spec generation, the
  // node's labels and taints. (GPU pods' and the Job's status may legitimately move: the
  // scheduler rewrites its message when other tests' nodes come and go.)
  json observe() {
    json out;
    auto list = client().listAll(pods());
    EXPECT_TRUE(list) << list.error().toString();
    if (list) {
      for (const auto& p : list->items) {
        const std::string name = p["metadata"]["name"];
        out["pods"][name] = {{"uid", p["metadata"]["uid"]},
                             {"nodeName", p["spec"].value("nodeName", "")},
                             {"labels", p["metadata"].value("labels", json::object())}};
        if (name == "cpu-small") out["cpuPodVersion"] = p["metadata"]["resourceVersion"];
      }
    }
    auto job = client().get(jobs().withName("gpu-trials"));
    EXPECT_TRUE(job) << job.error().toString();
    if (job) out["jobGeneration"] = (*job)["metadata"]["generation"];
    auto ns = client().get(kNamespaces.withName(ns_));
    EXPECT_TRUE(ns) << ns.error().toString();
    if (ns) out["namespaceVersion"] = (*ns)["metadata"]["resourceVersion"];
    auto node = client().get(kNodesPath.withName(node_));
    EXPECT_TRUE(node) << node.error().toString();
    if (node) out["node"] = {{"labels", (*node)["metadata"]["labels"]}, {"taints", (*node)["spec"]["taints"]}};
    for (const char* kind : {"configmaps", "secrets", "services"}) {
      auto objs = client().listAll({.resource = kind, .ns = ns_});
      EXPECT_TRUE(objs) << objs.error().toString();
      if (!objs) continue;
      for (const auto& o : objs->items) out[kind].push_back(o["metadata"]["uid"]);
    }
    return out;
  }

  static inline const ResourcePath kNamespaces{.resource = "namespaces"};
  static inline const ResourcePath kNodesPath{.resource = "nodes"};
  RealClock clock_;
  RestConfig config_;
  Connection conn_;
  std::string ns_;
  std::string node_;
};

TEST_F(PlanLiveIT, PlansNvidiaNodesForPendingGpuPodsAndExistingRoomForCpuPodWithoutWriting) {
  auto node = client().create(kNodesPath, kwokNode());
  ASSERT_TRUE(node) << node.error().toString();
  ASSERT_TRUE(waitFor([&] {
    auto n = client().get(kNodesPath.withName(node_));
    return n && hasCondition(*n, "Ready", "True", "");
  }, 30s)) << "KWOK did not make node " << node_ << " Ready";

  auto job = client().create(jobs(), gpuJob());
  ASSERT_TRUE(job) << job.error().toString();
  auto cpu = client().create(pods(), cpuPod());
  ASSERT_TRUE(cpu) << cpu.error().toString();
  auto marked = client().patch(pods().withName("cpu-small", "status"), PatchType::kMerge,
                               json{{"status", {{"conditions", json::array({{{"type", "PodScheduled"},
                                                                             {"status", "False"},
                                                                             {"reason", "Unschedulable"},
                                                                             {"message", "0/0 nodes are available"}}})}}}});
  ASSERT_TRUE(marked) << marked.error().toString();

  std::vector<std::string> gpuPods;
  ASSERT_TRUE(waitFor([&] {
    auto list = client().listAll(pods(), {.labelSelector = "app=plan-it-gpu"});
    if (!list || list->items.size() != 3) return false;
    gpuPods.clear();
    for (const auto& p : list->items) {
      if (!hasCondition(p, "PodScheduled", "False", "Unschedulable")) return false;
      gpuPods.push_back(ns_ + "/" + p["metadata"]["name"].get<std::string>());
    }
    return true;
  }, 60s)) << "kube-scheduler did not mark the 3 GPU pods Unschedulable";

  const json before = observe();
  CommandResult run = runGantry("plan --kubeconfig " + env().kubeconfig() + " -o json");
  const json after = observe();
  std::cout << "gantry plan --kubeconfig took " << run.took.count() << " ms\n";

  // 2 only for other tests' undecodable objects; none of ours may be among them.
  ASSERT_TRUE(run.exitCode == 0 || run.exitCode == 2) << run.exitCode << ": " << run.err;
  json plan = json::parse(run.out, nullptr, false);
  ASSERT_FALSE(plan.is_discarded()) << run.out;
  for (const auto& e : plan["errors"]) {
    EXPECT_EQ(e["object"].get<std::string>().find(ns_), std::string::npos) << e.dump();
  }
  if (run.exitCode == 2) {
    EXPECT_FALSE(plan["errors"].empty());
  }

  auto catalog = cloudprovider::bundledInstanceTypes("us-east-1");
  ASSERT_TRUE(catalog) << catalog.error().toString();
  std::map<std::string, const api::InstanceType*> types;
  for (const auto& t : **catalog) types[t.name] = &t;

  std::set<std::string> placedOnNew;
  for (const auto& claim : plan["nodeclaims"]) {
    for (const auto& pod : claim["pods"]) {
      const std::string key = pod;
      if (!key.starts_with(ns_ + "/")) continue;  // other tests' pods
      placedOnNew.insert(key);
      const std::string type = claim["instance_type"];
      ASSERT_TRUE(types.contains(type)) << type;
      ASSERT_TRUE(types[type]->gpu.has_value()) << key << " planned on " << type;
      EXPECT_EQ(types[type]->gpu->manufacturer, "NVIDIA") << type;
      EXPECT_GE(types[type]->gpu->count, 1) << type;
      EXPECT_FALSE(claim["nodepool"].get<std::string>().empty());
      EXPECT_GT(claim["price_per_hour"].get<double>(), 0);
    }
  }
  EXPECT_EQ(placedOnNew, std::set<std::string>(gpuPods.begin(), gpuPods.end())) << plan.dump(2);

  std::map<std::string, json> existing;
  for (const auto& e : plan["existing"]) {
    if (e["pod"].get<std::string>().starts_with(ns_ + "/")) existing[e["pod"]] = e;
  }
  ASSERT_EQ(existing.size(), 1u) << plan.dump(2);
  ASSERT_TRUE(existing.contains(ns_ + "/cpu-small")) << plan.dump(2);
  EXPECT_EQ(existing[ns_ + "/cpu-small"]["node"], node_);
  EXPECT_EQ(existing[ns_ + "/cpu-small"]["in_flight"], false);
  for (const auto& u : plan["unschedulable"]) {
    EXPECT_FALSE(u["pod"].get<std::string>().starts_with(ns_ + "/")) << u.dump();
  }

  // Read-only: the same objects, nothing bound, nothing added, nothing touched.
  EXPECT_EQ(before, after) << "before: " << before.dump(2) << "\nafter: " << after.dump(2);
  EXPECT_EQ(after["pods"].size(), 4u);
}

TEST_F(PlanLiveIT, RejectedCredentialsExitOneNamingTheServer) {
  // The environment's server and CA, but a token the apiserver does not know.
  const std::string caFile = ::testing::TempDir() + "plan_it_ca_" + ns_ + ".crt";
  std::ofstream(caFile) << config_.tls.caData;
  const std::string kubeconfig = ::testing::TempDir() + "plan_it_badtoken_" + ns_ + ".kubeconfig";
  std::ofstream(kubeconfig) << "apiVersion: v1\nkind: Config\n"
                               "clusters:\n- name: c\n  cluster:\n    server: " << config_.server
                            << "\n    certificate-authority: " << (config_.tls.caData.empty() ? config_.tls.caFile : caFile)
                            << "\nusers:\n- name: u\n  user:\n    token: not-a-valid-token\n"
                               "contexts:\n- name: x\n  context:\n    cluster: c\n    user: u\n"
                               "current-context: x\n";
  CommandResult run = runGantry("plan --kubeconfig " + kubeconfig + " -o json");
  std::filesystem::remove(kubeconfig);
  std::filesystem::remove(caFile);
  EXPECT_EQ(run.exitCode, 1) << run.err;
  EXPECT_TRUE(run.out.empty()) << run.out;
  EXPECT_NE(run.err.find(config_.server), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("Unauthorized"), std::string::npos) << run.err;
}

}  // namespace
}  // namespace gantry::kube
