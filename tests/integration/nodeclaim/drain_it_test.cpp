// The termination finalizer's drain against the real peers: an m5.large launched in moto
// registers (the bootstrapper's Node, KWOK as its kubelet), kube-scheduler binds two pods to
// it, a PodDisruptionBudget with maxUnavailable 0 covers one of them. Deleting the claim taints
// the Node, evicts the other pod through the Eviction API, is held by the budget (a Warning
// Event on the claim names the pod), and completes once the budget is deleted; the instance
// is terminated in moto only after both pods are gone. Unique names; everything cleaned up.
#include <gtest/gtest.h>

#include "tests/integration/nodeclaim/lifecycle_it_fixture.h"

namespace gantry::provisioner::nodeclaim {
namespace {

class DrainIT : public LifecycleIT {
 protected:
  kube::ResourcePath pods() const { return {.resource = "pods", .ns = namespace_}; }
  kube::ResourcePath pdbs() const {
    return {.group = "policy", .resource = "poddisruptionbudgets", .ns = namespace_};
  }

  json podOnNode(const std::string& name, const std::string& app) const {
    return json{{"apiVersion", "v1"},
                {"kind", "Pod"},
                {"metadata", {{"name", name}, {"labels", {{"app", app}}}}},
                {"spec",
                 {{"nodeSelector", {{"kubernetes.io/hostname", nodeName_}}},
                  {"containers",
                   json::array({{{"name", "c"},
                                 {"image", "busybox"},
                                 {"resources", {{"requests", {{"cpu", "100m"}, {"memory", "64Mi"}}}}}}})}}}};
  }

  // Pod names still in the namespace (terminating ones included).
  Result<std::vector<std::string>> podNames() {
    auto list = client().list(pods());
    if (!list) return fail(list.error());
    std::vector<std::string> out;
    for (const json& p : (*list)["items"]) out.push_back(p["metadata"]["name"]);
    return out;
  }

  // The reasons and messages of the Events about the claim (cluster-scoped: in "default").
  std::vector<std::pair<std::string, std::string>> claimEvents() {
    std::vector<std::pair<std::string, std::string>> out;
    auto events = client().list(kube::ResourcePath{.resource = "events", .ns = "default"},
                                {.fieldSelector = "involvedObject.name=" + claimName_});
    if (!events) return out;
    for (const json& e : (*events)["items"]) {
      out.emplace_back(e.value("reason", ""), e.value("message", ""));
    }
    return out;
  }

  std::string instanceState(const std::string& instanceId) {
    auto described = ec2_->describeInstances({.instanceIds = {instanceId}});
    if (!described || described->empty()) return "unknown";
    return described->front().state;
  }
};

TEST_F(DrainIT, DeletionEvictsPodsWaitsForTheBudgetThenTerminates) {
  claimName_ = "drain-it-" + suffix_;
  namespace_ = "drain-it-" + suffix_;
  const std::string pool = "drain-it-pool-" + suffix_;
  ASSERT_TRUE(client().create({.resource = "namespaces"}, json{{"metadata", {{"name", namespace_}}}}));
  auto sa = client().create({.resource = "serviceaccounts", .ns = namespace_},
                            json{{"metadata", {{"name", "default"}}}});
  ASSERT_TRUE(sa || sa.error().isAlreadyExists()) << sa.error().toString();

  // 1. A launched, registered claim (no taints: ordinary pods may land on its Node).
  api::InstanceType type;
  type.name = "m5.large";
  type.architecture = "amd64";
  type.capacity.set("cpu", api::Quantity::fromValue(2));
  type.offerings.push_back({.zone = "us-east-1a", .capacityType = api::CapacityType::kOnDemand,
                            .pricePerHour = 0.096});
  auto instance = provider_->create(
      {.nodeClaimName = claimName_, .nodePoolName = pool, .nodeClassRef = nodeClassRef(),
       .instanceTypes = {type},
       .tags = {{"kubernetes.io/cluster/" + env().clusterName(), "owned"}}});
  ASSERT_TRUE(instance) << instance.error().toString();
  api::NodeClaim c;
  c.name = claimName_;
  c.labels = {{"gantry.dev/nodepool", pool}, {"gantry.dev/capacity-type", "on-demand"}};
  c.finalizers = {std::string(nc::kTerminationFinalizer)};
  c.nodeClassRef = {.group = "gantry.dev", .kind = "EC2NodeClass", .name = nodeClass().name};
  ASSERT_NO_FATAL_FAILURE(createLaunchedClaim(c, instance->providerId));

  ASSERT_NO_FATAL_FAILURE(startController(std::chrono::minutes(15), namespace_));
  ASSERT_TRUE(waitFor(90s, [&] {
    auto got = claim();
    if (!got || !conditionTrue(*got, nc::kInitialized)) return false;
    nodeName_ = (*got)["status"].value("nodeName", "");
    return true;
  })) << "not Initialized: " << (claim() ? claim()->dump() : "gone");
  ASSERT_FALSE(nodeName_.empty());

  // 2. Two pods the scheduler binds to the Node (KWOK runs them); a budget pins one.
  ASSERT_TRUE(client().create(pods(), podOnNode("web", "web")));
  ASSERT_TRUE(client().create(pods(), podOnNode("db", "db")));
  ASSERT_TRUE(waitFor(60s, [&] {
    auto list = client().list(pods());
    if (!list || (*list)["items"].size() != 2) return false;
    for (const json& p : (*list)["items"]) {
      if (p["spec"].value("nodeName", "") != nodeName_) return false;
      if (p["status"].value("phase", "") != "Running") return false;
    }
    return true;
  })) << "pods not Running on " << nodeName_;
  auto pdb = client().create(pdbs(), json{{"apiVersion", "policy/v1"},
                                          {"kind", "PodDisruptionBudget"},
                                          {"metadata", {{"name", "db"}}},
                                          {"spec", {{"maxUnavailable", 0},
                                                    {"selector", {{"matchLabels", {{"app", "db"}}}}}}}});
  ASSERT_TRUE(pdb) << pdb.error().toString();
  // The disruption controller has seen the budget (evictions before that are refused too,
  // but with another message). A bare pod gives no scale for maxUnavailable to count from,
  // so expectedPods stays 0: disruptionsAllowed is 0 either way.
  json pdbStatus;
  ASSERT_TRUE(waitFor(30s, [&] {
    auto got = client().get(pdbs().withName("db"));
    if (!got) return false;
    pdbStatus = (*got).value("status", json::object());
    return pdbStatus.value("observedGeneration", 0) >= 1 && pdbStatus.contains("disruptionsAllowed");
  })) << "PodDisruptionBudget not processed: " << pdbStatus.dump();
  EXPECT_EQ(pdbStatus.value("disruptionsAllowed", -1), 0) << pdbStatus.dump();

  // 3. Delete the claim: `web` is evicted, `db` is held by the budget.
  ASSERT_TRUE(client().remove(kube::kNodeClaimsPath.withName(claimName_)));
  ASSERT_TRUE(waitFor(60s, [&] {
    auto names = podNames();
    return names && *names == std::vector<std::string>{"db"};
  })) << "web not evicted";
  bool blockedEvent = false;
  ASSERT_TRUE(waitFor(30s, [&] {
    recorder_->flush(1000ms);
    for (const auto& [reason, message] : claimEvents()) {
      blockedEvent |= reason == "EvictionBlocked" &&
                      message.find("cannot evict " + namespace_ + "/db") != std::string::npos &&
                      message.find("PodDisruptionBudget") != std::string::npos;
    }
    return blockedEvent;
  })) << "no EvictionBlocked event naming the pod";

  // Held: the claim keeps its finalizer, the Node is fenced and still there, the instance runs.
  std::this_thread::sleep_for(3s);
  auto held = claim();
  ASSERT_TRUE(held) << held.error().toString();
  EXPECT_TRUE((*held)["metadata"].contains("deletionTimestamp"));
  EXPECT_EQ((*held)["metadata"]["finalizers"], json::array({"gantry.dev/termination"}));
  auto node = client().get(kNodes.withName(nodeName_));
  ASSERT_TRUE(node) << node.error().toString();
  bool disrupted = false;
  for (const json& t : (*node)["spec"].value("taints", json::array())) {
    disrupted |= t.value("key", "") == "gantry.dev/disrupted" && t.value("effect", "") == "NoSchedule";
  }
  EXPECT_TRUE(disrupted) << node->dump();
  EXPECT_EQ((*node)["spec"].value("unschedulable", false), true);
  EXPECT_EQ(instanceState(instance->instanceId), "running");
  EXPECT_EQ(*podNames(), std::vector<std::string>{"db"});

  // 4. The budget goes: `db` is evicted, then the Node, then the instance, then the claim.
  ASSERT_TRUE(client().remove(pdbs().withName("db")));
  bool terminatedWithPods = false;
  ASSERT_TRUE(waitFor(90s, [&] {
    // Instance first, pods second: a terminated instance seen before a pod still listed is
    // a termination that did not wait for the drain.
    const std::string state = instanceState(instance->instanceId);
    auto names = podNames();
    if (state != "running" && names && !names->empty()) terminatedWithPods = true;
    auto got = claim();
    return !got && got.error().isNotFound();
  })) << "claim still there: " << (claim() ? claim()->dump() : "");
  EXPECT_FALSE(terminatedWithPods);
  const std::string state = instanceState(instance->instanceId);
  EXPECT_TRUE(state == "terminated" || state == "shutting-down") << state;
  EXPECT_TRUE(podNames()->empty());

  recorder_->flush(5000ms);
  bool draining = false, drained = false;
  for (const auto& [reason, message] : claimEvents()) {
    draining |= reason == "Draining";
    drained |= reason == "Drained";
  }
  EXPECT_TRUE(draining);
  EXPECT_TRUE(drained);
}

}  // namespace
}  // namespace gantry::provisioner::nodeclaim
