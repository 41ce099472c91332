// `gantry controller` end to end, consolidation (consolidationPolicy WhenEmptyOrUnderutilized):
//   - a Deployment of 8 pods at 900m fills four 2-vCPU nodes; scaled to 4 replicas, the nodes
//     are consolidated to 2 or fewer, every pod Running again on what remains;
//   - a GPU node whose trial finished but which still runs a CPU helper pod is replaced by CPU
//     capacity, the replacement Initialized before the GPU node is drained;
//   - a running training Job pod is not evicted by consolidation by default (an Event says
//     why), and is once its NodePool carries gantry.dev/consolidate-training-pods: "true".
#include <set>

#include "tests/e2e/e2e_fixture.h"

namespace gantry::e2e {
namespace {

std::string nodeOf(const json& pod) { return pod.value("spec", json::object()).value("nodeName", ""); }
std::string typeOf(const json& node) {
  return meta(node).value("labels", json::object()).value("node.kubernetes.io/instance-type", "");
}

class ConsolidationE2eTest : public GantryE2eTest {
 protected:
  void SetUp() override {
    GantryE2eTest::SetUp();
    if (HasFatalFailure()) return;
    ASSERT_NO_FATAL_FAILURE(createNodeClass(run_, /*registers=*/true));
  }

  void createPool(const std::vector<std::string>& types, const json& limits) {
    ASSERT_NO_FATAL_FAILURE(createNodePool(
        run_, run_, types, limits,
        {{"consolidationPolicy", "WhenEmptyOrUnderutilized"},
         {"consolidateAfter", "10s"},
         {"budgets", json::array({{{"nodes", "100%"}}})}}));
  }

  const kube::ResourcePath deployments() const {
    return {.group = "apps", .resource = "deployments", .ns = run_};
  }
  void deploy(const std::string& app, int replicas, const std::string& cpu) {
    auto r = client().create(deployments(), deploymentManifest(app, run_, replicas, cpu, runSelector()));
    ASSERT_TRUE(r) << r.error().message();
  }
  void scale(const std::string& app, int replicas) {
    auto r = client().patch(deployments().withName(app), kube::PatchType::kMerge,
                            {{"spec", {{"replicas", replicas}}}});
    ASSERT_TRUE(r) << r.error().message();
  }
  size_t running(const std::string& prefix) {
    size_t n = 0;
    for (const auto& p : livePods(pods(), prefix)) n += phase(p) == "Running";
    return n;
  }
  // Nodes of this run that are not being taken away.
  std::vector<json> liveNodes() {
    std::vector<json> out;
    for (const auto& n : nodes()) {
      bool fenced = false;
      for (const auto& t : n.value("spec", json::object()).value("taints", json::array())) {
        fenced = fenced || t.value("key", "") == "gantry.dev/disrupted";
      }
      if (!deleting(n) && !fenced) out.push_back(n);
    }
    return out;
  }
  bool anyEvent(const std::string& object, const std::string& reason, const std::string& word) {
    for (const auto& e : eventsFor(object, "default", reason)) {
      if (e.value("message", "").find(word) != std::string::npos) return true;
    }
    return false;
  }
};

TEST_F(ConsolidationE2eTest, ScaledDownDeploymentIsConsolidatedOntoFewerNodes) {
  ASSERT_NO_FATAL_FAILURE(createPool({"c5.large"}, {{"cpu", "64"}}));
  ASSERT_NO_FATAL_FAILURE(startController());
  ASSERT_NO_FATAL_FAILURE(deploy("web", 8, "900m"));
  ASSERT_TRUE(eventually([&] { return running("web-") == 8; }, 180s, 250ms))
      << json(pods()).dump() << "\n" << controller_->output();
  const size_t before = liveNodes().size();
  EXPECT_GE(before, 4u) << "two 900m pods per 2-vCPU node";

  ASSERT_NO_FATAL_FAILURE(scale("web", 4));
  // Every pod stays Running or is replaced by its ReplicaSet promptly: none waits long.
  std::map<std::string, std::chrono::steady_clock::time_point> waitingSince;
  std::string longWait;
  const bool consolidated = eventually(
      [&] {
        const auto now = std::chrono::steady_clock::now();
        for (const auto& p : livePods(pods(), "web-")) {
          if (phase(p) == "Running") {
            waitingSince.erase(name(p));
          } else if (now - waitingSince.emplace(name(p), now).first->second > 30s) {
            longWait = name(p);
          }
        }
        return liveNodes().size() <= 2 && nodes().size() <= 2 && running("web-") == 4;
      },
      240s, 500ms);
  ASSERT_TRUE(consolidated) << "nodes: " << json(nodes()).dump() << "\npods: " << json(pods()).dump()
                            << "\n" << controller_->output();
  EXPECT_TRUE(longWait.empty()) << "pod " << longWait << " was not Running for over 30 s";
  std::printf("[ metric ] nodes before %zu, after %zu\n", before, nodes().size());
  const double decisions = metricValue("gantry_consolidation_decisions_total", {{"nodepool", run_}});
  const double emptied = metricValue("gantry_nodeclaims_disrupted_total", {{"nodepool", run_}});
  EXPECT_GE(decisions + emptied, 1.0);
  for (const auto& p : livePods(pods(), "web-")) EXPECT_EQ(phase(p), "Running") << name(p);
}

TEST_F(ConsolidationE2eTest, IdleGpuNodeWithACpuHelperMovesToCpuCapacity) {
  ASSERT_NO_FATAL_FAILURE(createPool({"g4dn.xlarge", "c5.large"}, {{"nvidia.com/gpu", "4"}}));
  ASSERT_NO_FATAL_FAILURE(startController());
  ASSERT_NO_FATAL_FAILURE(createJob("trial", 1, 1, {{"annotations", {{"gantry.dev/test-complete-after", "25s"}}}}));
  std::string gpuNode;
  ASSERT_TRUE(eventually(
      [&] {
        for (const auto& p : livePods(pods(), "trial-")) {
          if (phase(p) == "Running") gpuNode = nodeOf(p);
        }
        return !gpuNode.empty();
      },
      180s, 250ms))
      << controller_->output();
  // The helper lands beside the trial: the GPU node has CPU to spare.
  ASSERT_NO_FATAL_FAILURE(deploy("helper", 1, "250m"));
  ASSERT_TRUE(eventually([&] { return running("helper-") == 1; }, 60s, 250ms));
  ASSERT_EQ(nodeOf(livePods(pods(), "helper-").front()), gpuNode);

  // The trial finishes; the GPU node, running only the helper, is replaced by a CPU node.
  const std::string gpuClaim = [&] {
    for (const auto& c : claims()) {
      if (c.value("status", json::object()).value("nodeName", "") == gpuNode) return name(c);
    }
    return std::string();
  }();
  std::set<std::string> drainedBeforeReady;
  ASSERT_TRUE(eventually(
      [&] {
        auto helpers = livePods(pods(), "helper-");
        if (helpers.size() != 1 || phase(helpers[0]) != "Running") return false;
        const std::string at = nodeOf(helpers[0]);
        for (const auto& n : nodes()) {
          if (name(n) == at) return typeOf(n) == "c5.large";
        }
        return false;
      },
      240s, 500ms))
      << json(nodes()).dump() << "\n" << controller_->output();
  EXPECT_TRUE(anyEvent(gpuClaim, "Consolidating", "replace")) << gpuClaim;
  EXPECT_EQ(metricValue("gantry_consolidation_decisions_total", {{"nodepool", run_}, {"action", "replace"}}), 1);
  EXPECT_TRUE(eventually([&] {
    for (const auto& n : nodes()) {
      if (name(n) == gpuNode) return false;
    }
    return true;
  }, 120s, 500ms)) << "the GPU node stayed";
}

TEST_F(ConsolidationE2eTest, TrainingPodIsEvictedOnlyWithThePoolsOptOut) {
  ASSERT_NO_FATAL_FAILURE(createPool({"c5.large", "c5.2xlarge"}, {{"cpu", "64"}}));
  ASSERT_NO_FATAL_FAILURE(startController());
  // A big Deployment pod buys a c5.2xlarge; the training Job pod is bound beside it.
  ASSERT_NO_FATAL_FAILURE(deploy("big", 1, "6"));
  ASSERT_TRUE(eventually([&] { return running("big-") == 1; }, 180s, 250ms)) << controller_->output();
  const std::string bigNode = nodeOf(livePods(pods(), "big-").front());
  json job = {{"apiVersion", "batch/v1"},
              {"kind", "Job"},
              {"metadata", {{"name", "train"}, {"namespace", run_}}},
              {"spec",
               {{"template",
                 {{"spec",
                   {{"restartPolicy", "Never"},
                    {"nodeSelector", runSelector()},
                    {"containers",
                     json::array({{{"name", "train"},
                                   {"image", "busybox"},
                                   {"resources", {{"requests", {{"cpu", "500m"}}}}}}})}}}}}}}};
  ASSERT_TRUE(client().create({.group = "batch", .resource = "jobs", .ns = run_}, job));
  ASSERT_TRUE(eventually([&] { return running("train-") == 1; }, 60s, 250ms));
  const std::string trainPod = name(livePods(pods(), "train-").front());
  ASSERT_EQ(nodeOf(livePods(pods(), "train-").front()), bigNode) << "the only node of the run with room";
  ASSERT_NO_FATAL_FAILURE(scale("big", 0));

  // By default the training pod holds the oversized node: it stays, with an Event saying why.
  ASSERT_TRUE(eventually([&] { return anyEvent(bigNode, "DisruptionBlocked", "training"); }, 60s, 500ms))
      << controller_->output();
  EXPECT_EQ(running("train-"), 1u);
  EXPECT_EQ(name(livePods(pods(), "train-").front()), trainPod);
  EXPECT_EQ(metricValue("gantry_consolidation_decisions_total", {{"nodepool", run_}}), 0);

  // The opt-out: now the training pod is moved to a c5.large (its Job makes a new pod).
  auto patched = client().patch(kube::kNodePoolsPath.withName(run_), kube::PatchType::kMerge,
                                {{"metadata", {{"annotations", {{"gantry.dev/consolidate-training-pods", "true"}}}}}});
  ASSERT_TRUE(patched) << patched.error().message();
  ASSERT_TRUE(eventually(
      [&] {
        auto train = livePods(pods(), "train-");
        if (train.size() != 1 || name(train[0]) == trainPod || phase(train[0]) != "Running") return false;
        for (const auto& n : nodes()) {
          if (name(n) == nodeOf(train[0])) return typeOf(n) == "c5.large";
        }
        return false;
      },
      240s, 500ms))
      << json(pods()).dump() << "\n" << controller_->output();
  EXPECT_EQ(metricValue("gantry_consolidation_decisions_total", {{"nodepool", run_}, {"action", "replace"}}), 1);
}

}  // namespace
}  // namespace gantry::e2e
