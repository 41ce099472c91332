// Which pods a drain evicts, skips or waits for, in what order (drain.h, pure), and the
// patch that fences a Node off before it is drained.
#include <gtest/gtest.h>

#include "provisioner/nodeclaim/drain.h"
#include "tests/unit/provisioner/nodeclaim/fake_lifecycle.h"

namespace gantry::provisioner::nodeclaim {
namespace {

using testing::PodSpec;
using json = nlohmann::json;

PodPtr pod(const std::string& name, const PodSpec& s = {}) {
  auto decoded = api::decodePod(testing::podJson(name, "n1", s));
  EXPECT_TRUE(decoded) << decoded.error().message;
  return std::make_shared<api::Pod>(*decoded);
}

std::vector<std::string> keys(const std::vector<PodPtr>& pods) {
  std::vector<std::string> out;
  for (const auto& p : pods) out.push_back(p->key());
  return out;
}

TEST(DrainSelectionTest, SkipsDaemonSetMirrorTerminalAndTolerantPodsAndWaitsForTerminating) {
  const json tolerateDisrupted = json::array(
      {{{"key", "gantry.dev/disrupted"}, {"operator", "Exists"}, {"effect", "NoSchedule"}}});
  const json tolerateAll = json::array({{{"operator", "Exists"}}});
  auto sel = selectPodsToEvict({
      pod("web-1", {.owner = "ReplicaSet"}),
      pod("ds", {.owner = "DaemonSet"}),
      pod("static", {.mirror = true}),
      pod("node-owned", {.owner = "Node"}),
      pod("done", {.phase = "Succeeded"}),
      pod("failed", {.phase = "Failed"}),
      pod("stays", {.tolerations = tolerateDisrupted}),
      pod("stays-too", {.tolerations = tolerateAll}),
      pod("leaving", {.terminating = true}),
      pod("ds-leaving", {.owner = "DaemonSet", .terminating = true}),
      pod("bare"),
  });
  EXPECT_EQ(keys(sel.evictNow), (std::vector<std::string>{"default/bare", "default/web-1"}));
  EXPECT_TRUE(sel.evictLater.empty());
  EXPECT_EQ(keys(sel.terminating), std::vector<std::string>{"default/leaving"});
  EXPECT_EQ(sel.evictable(), 2u);
  EXPECT_FALSE(sel.drained());

  EXPECT_EQ(drainSkip(*pod("ds", {.owner = "DaemonSet"})), DrainSkip::kDaemonSet);
  EXPECT_EQ(drainSkip(*pod("static", {.mirror = true})), DrainSkip::kMirror);
  EXPECT_EQ(drainSkip(*pod("done", {.phase = "Succeeded"})), DrainSkip::kTerminal);
  EXPECT_EQ(drainSkip(*pod("stays", {.tolerations = tolerateDisrupted})), DrainSkip::kToleratesDisrupted);
  EXPECT_EQ(drainSkip(*pod("leaving", {.terminating = true})), DrainSkip::kTerminating);
  EXPECT_EQ(drainSkip(*pod("bare")), std::nullopt);
  // A toleration of another taint, or of the disrupted key with another effect, is no pass.
  EXPECT_EQ(drainSkip(*pod("x", {.tolerations = json::array({{{"key", "gantry.dev/disrupted"},
                                                              {"operator", "Exists"},
                                                              {"effect", "NoExecute"}}})})),
            std::nullopt);
}

TEST(DrainSelectionTest, SystemCriticalPodsGoOnlyAfterTheRest) {
  const std::vector<PodPtr> pods{
      pod("coredns", {.ns = "kube-system", .priority = 2000000000}),
      pod("b-app", {.ns = "team"}),
      pod("cni", {.ns = "kube-system", .priority = 2000001000}),
      pod("a-app", {.ns = "team", .priority = 1000}),
  };
  auto first = selectPodsToEvict(pods);
  EXPECT_EQ(keys(first.evictNow), (std::vector<std::string>{"team/a-app", "team/b-app"}));
  EXPECT_EQ(keys(first.evictLater),
            (std::vector<std::string>{"kube-system/cni", "kube-system/coredns"}));
  EXPECT_EQ(first.evictable(), 4u);

  // One ordinary pod still terminating: the critical ones still wait.
  const PodPtr leaving = pod("a-app", {.ns = "team", .terminating = true});
  auto second = selectPodsToEvict({pods[0], pods[2], leaving});
  EXPECT_TRUE(second.evictNow.empty());
  EXPECT_EQ(second.evictLater.size(), 2u);
  EXPECT_EQ(keys(second.terminating), std::vector<std::string>{"team/a-app"});
  EXPECT_FALSE(second.drained());

  // The ordinary pods gone: now the critical ones.
  auto third = selectPodsToEvict({pods[0], pods[2]});
  EXPECT_EQ(keys(third.evictNow),
            (std::vector<std::string>{"kube-system/cni", "kube-system/coredns"}));
  EXPECT_TRUE(third.evictLater.empty());

  // A Node without a kubelet: terminating pods neither hold back nor are waited for.
  auto dead = selectPodsToEvict({pods[0], leaving}, /*waitForTerminating=*/false);
  EXPECT_EQ(keys(dead.evictNow), std::vector<std::string>{"kube-system/coredns"});
  EXPECT_TRUE(dead.terminating.empty());
  EXPECT_TRUE(selectPodsToEvict({}).drained());
}

TEST(DrainSelectionTest, TaintPatchAddsDisruptedTaintAndCordonsOnce) {
  json node{{"metadata", {{"name", "n"}, {"resourceVersion", "7"}}},
            {"spec", {{"taints", json::array({{{"key", "nvidia.com/gpu"}, {"effect", "NoSchedule"}}})}}}};
  auto patch = disruptedTaintPatch(node);
  ASSERT_TRUE(patch);
  EXPECT_EQ((*patch)["metadata"]["resourceVersion"], "7");
  EXPECT_EQ((*patch)["spec"]["unschedulable"], true);
  EXPECT_EQ((*patch)["spec"]["taints"],
            json::parse(R"([{"key":"nvidia.com/gpu","effect":"NoSchedule"},
                            {"key":"gantry.dev/disrupted","effect":"NoSchedule"}])"));
  node.merge_patch(*patch);
  auto again = disruptedTaintPatch(node);
  ASSERT_TRUE(again);
  EXPECT_TRUE(again->empty()) << again->dump();

  // Tainted but uncordoned: only the cordon.
  node["spec"]["unschedulable"] = false;
  auto cordon = disruptedTaintPatch(node);
  ASSERT_TRUE(cordon);
  EXPECT_FALSE(cordon->at("spec").contains("taints"));
  EXPECT_EQ(cordon->at("spec").at("unschedulable"), true);

  node["spec"]["taints"] = "nope";
  EXPECT_TRUE(disruptedTaintPatch(node).error().isInvalid());
  EXPECT_TRUE(disruptedTaintPatch(json::array()).error().isInvalid());
}

}  // namespace
}  // namespace gantry::provisioner::nodeclaim
