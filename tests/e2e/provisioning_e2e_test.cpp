// `gantry controller` end to end, the happy path: a Katib-style Job of three GPU trials
// becomes exactly three instances of the cheapest allowed NVIDIA type in moto, three Nodes
// that the node bootstrapper registers (nvidia.com/gpu appears a few seconds later, as a
// device plugin's would) and Gantry adopts, and three pods bound by kube-scheduler and
// Running on them; no fourth instance at any point. The controller runs as deployed: with the
// service account and rights of deploy/rbac.yaml, leader election on. Also measures the latency of one pod
// from creation to the EC2 call, to its Node registered and to Running. The controller's
// /metrics moves with the run (claims created, nodes, GPUs requested, $/hour) and shows every
// series deploy/grafana/gantry.json queries.
#include "tests/e2e/e2e_fixture.h"

#include <algorithm>
#include <map>
#include <set>

#include "cloudprovider/catalog/bundled_catalog.h"
#include "tests/e2e/metrics_scrape.h"

namespace gantry::e2e {
namespace {

class ProvisioningE2eTest : public GantryE2eTest {
 protected:
  void SetUp() override {
    GantryE2eTest::SetUp();
    if (HasFatalFailure()) return;
    ASSERT_NO_FATAL_FAILURE(createNodeClass(run_, /*registers=*/true));
    ASSERT_NO_FATAL_FAILURE(
        createNodePool(run_, run_, {"g4dn.xlarge", "g5.xlarge", "p3.2xlarge"}, {{"nvidia.com/gpu", "8"}}));
  }

  // Samples the instance count until `done` holds; the most seen at once.
  size_t mostInstancesUntil(const std::function<bool()>& done, std::chrono::seconds timeout) {
    size_t most = 0;
    eventually(
        [&] {
          most = std::max(most, liveInstances().size());
          return done();
        },
        timeout, 250ms);
    return most;
  }

  // The on-demand hourly price of `type` in `zone` as the bundled catalog gives it (the test
  // environment's Pricing API serves the same vendored data), 0 when it has none.
  double onDemandPrice(const std::string& type, const std::string& zone) {
    auto catalog = cloudprovider::bundledInstanceTypes(env().region());
    EXPECT_TRUE(catalog) << catalog.error().message();
    if (!catalog) return 0;
    for (const auto& t : **catalog) {
      if (t.name != type) continue;
      for (const auto& o : t.offerings) {
        if (o.zone == zone && o.capacityType == api::CapacityType::kOnDemand) return o.pricePerHour;
      }
    }
    return 0;
  }

  size_t runningPods() {
    size_t n = 0;
    for (const auto& p : pods()) {
      if (p.value("status", json::object()).value("phase", "") == "Running") ++n;
    }
    return n;
  }
};

TEST_F(ProvisioningE2eTest, KatibJobOfThreeGpuTrialsRunsOnExactlyThreeCheapestNvidiaNodes) {
  // As deployed (every e2e controller is): the chart's args, in-cluster with the service
  // account of deploy/rbac.yaml, leader election on.
  ASSERT_NO_FATAL_FAILURE(startController());
  ASSERT_TRUE(controller_->waitFor("started leading", 30s)) << controller_->output();
  // Before the run: nothing of this run's NodePool on /metrics yet but zeros.
  const std::map<std::string, std::string> mine = {{"nodepool", run_}};
  for (const char* name : {"gantry_nodeclaims_created_total", "gantry_nodes", "gantry_gpus_requested",
                           "gantry_cluster_price_dollars_per_hour"}) {
    EXPECT_EQ(metricValue(name, mine), 0) << name;
  }
  const auto created = std::chrono::system_clock::now();
  ASSERT_NO_FATAL_FAILURE(createJob("trial", 3, 1));

  auto firstCall = controller_->waitFor("launching instance", 60s);
  ASSERT_TRUE(firstCall) << controller_->output();
  // Until every trial runs (GPU capacity registers seconds after each Node), never a fourth.
  const size_t most = mostInstancesUntil([&] { return runningPods() == 3; }, 120s);
  const auto allRunning = std::chrono::system_clock::now();
  ASSERT_EQ(runningPods(), 3u) << controller_->output();
  EXPECT_EQ(most, 3u);

  auto instances = liveInstances();
  ASSERT_EQ(instances.size(), 3u);
  std::set<std::string> providerIds;
  for (const auto& i : instances) {
    EXPECT_EQ(i.instanceType, "g4dn.xlarge") << i.instanceId;
    providerIds.insert(i.providerId);
  }

  // Three Nodes, adopted: the NodePool's labels, Gantry's labels, no unregistered taint, GPU.
  auto registered = nodes();
  ASSERT_EQ(registered.size(), 3u);
  std::set<std::string> nodeNames;
  for (const auto& n : registered) {
    const json& labels = n["metadata"]["labels"];
    nodeNames.insert(n["metadata"]["name"]);
    EXPECT_TRUE(providerIds.contains(n["spec"].value("providerID", ""))) << n.dump();
    EXPECT_EQ(labels.value("gantry.dev/nodepool", ""), run_);
    EXPECT_EQ(labels.value("node.kubernetes.io/instance-type", ""), "g4dn.xlarge");
    EXPECT_EQ(labels.value("gantry.dev/capacity-type", ""), "on-demand");
    EXPECT_EQ(n["status"]["capacity"].value("nvidia.com/gpu", ""), "1");
    for (const auto& t : n["spec"].value("taints", json::array())) {
      EXPECT_NE(t.value("key", ""), "gantry.dev/unregistered") << n.dump();
    }
  }
  // Each trial on its own GPU node, each told which NodeClaim it waits for.
  std::set<std::string> usedNodes;
  for (const auto& p : pods()) {
    const std::string node = p["spec"].value("nodeName", "");
    EXPECT_TRUE(nodeNames.contains(node)) << node;
    usedNodes.insert(node);
    auto nominated = eventsFor(p["metadata"]["name"], run_, "Nominated");
    ASSERT_FALSE(nominated.empty()) << p["metadata"]["name"];
    EXPECT_NE(nominated[0].value("message", "").find("nodeclaim/" + run_ + "-"), std::string::npos);
  }
  EXPECT_EQ(usedNodes.size(), 3u);

  // Three NodeClaims through every phase.
  EXPECT_TRUE(eventually(
      [&] {
        auto all = claims();
        return all.size() == 3 && std::all_of(all.begin(), all.end(), [](const json& c) {
                 return conditionStatus(c, "Initialized") == "True";
               });
      },
      15s))
      << json(claims()).dump();
  for (const auto& c : claims()) {
    EXPECT_EQ(conditionStatus(c, "Launched"), "True");
    EXPECT_EQ(conditionStatus(c, "Registered"), "True");
    EXPECT_TRUE(nodeNames.contains(c["status"].value("nodeName", ""))) << c.dump();
    for (const char* phase : {"Launched", "Registered", "Initialized"}) {
      EXPECT_FALSE(eventsFor(c["metadata"]["name"], "default", phase).empty()) << "no " << phase << " Event";
    }
  }

  // The pool shows its usage, the node class what it resolved to.
  json pool;
  EXPECT_TRUE(eventually(
      [&] {
        pool = nodePool(run_);
        const json resources = pool.value("status", json::object()).value("resources", json::object());
        return resources.value("nodes", "") == "3" && resources.value("nvidia.com/gpu", "") == "3";
      },
      15s))
      << pool.dump();
  auto nodeClass = client().get(kube::kEc2NodeClassesPath.withName(run_));
  ASSERT_TRUE(nodeClass);
  EXPECT_EQ(conditionStatus(*nodeClass, "Ready"), "True") << nodeClass->dump();
  // Every write was allowed: the service account's rights are enough.
  const std::string output = controller_->output();
  EXPECT_EQ(output.find("forbidden"), std::string::npos) << output;
  EXPECT_EQ(output.find("HTTP 403"), std::string::npos) << output;

  // /metrics followed the run: 3 claims, 3 nodes, 3 GPUs requested, the three instances'
  // on-demand prices (the gauges are measured every 5 s).
  double expectedPrice = 0;
  for (const auto& i : instances) expectedPrice += onDemandPrice(i.instanceType, i.zone);
  ASSERT_GT(expectedPrice, 0);
  EXPECT_TRUE(eventually(
      [&] {
        return metricValue("gantry_nodes", mine) == 3 && metricValue("gantry_gpus_requested", mine) == 3 &&
               std::abs(metricValue("gantry_cluster_price_dollars_per_hour", mine) - expectedPrice) < 1e-6;
      },
      15s))
      << metricsText();
  EXPECT_EQ(metricValue("gantry_nodeclaims_created_total", mine), 3);
  EXPECT_EQ(metricValue("gantry_nodes", {{"nodepool", run_}, {"instance_type", "g4dn.xlarge"}}), 3);
  EXPECT_EQ(metricValue("gantry_gpus_allocatable", mine), 3);
  EXPECT_EQ(metricValue("gantry_nodeclaims_launched_total", mine), 3);
  EXPECT_EQ(metricValue("gantry_nodeclaims_initialized_total", mine), 3);
  EXPECT_EQ(metricValue("gantry_node_startup_duration_seconds_count", {}), 3);
  EXPECT_EQ(metricValue("gantry_nodepool_limit", {{"nodepool", run_}, {"resource", "nvidia.com/gpu"}}), 8);
  EXPECT_GT(metricValue("gantry_kube_requests_total", {{"verb", "create"}, {"resource", "nodeclaims"}}), 0);
  EXPECT_GT(metricValue("gantry_kube_requests_total", {{"verb", "list"}, {"resource", "pods"}}), 0);
  EXPECT_GT(metricValue("gantry_kube_request_duration_seconds_count", {{"verb", "patch"}, {"resource", "nodeclaims"}}), 0);
  std::printf("[ metric ] gantry_cluster_price_dollars_per_hour{nodepool=%s} = %.4f\n", run_.c_str(),
              metricValue("gantry_cluster_price_dollars_per_hour", mine));

  // Every series the Grafana dashboard queries is on the real controller's /metrics.
  const std::set<std::string> wanted =
      dashboardMetricNames(std::string(GANTRY_SOURCE_DIR) + "/deploy/grafana/gantry.json");
  EXPECT_GE(wanted.size(), 15u) << "the dashboard could not be read";
  EXPECT_TRUE(wanted.contains("gantry_node_startup_duration_seconds_bucket"));
  const std::string scraped = metricsText();
  const std::set<std::string> exported = scrapedMetricNames(scraped);
  for (const auto& name : wanted) {
    EXPECT_TRUE(exported.contains(name)) << name << " is queried by deploy/grafana/gantry.json but not "
                                         << "exported by gantry controller:\n" << scraped;
  }

  // Still three a little later: the running pods are no reason for more.
  std::this_thread::sleep_for(5s);
  EXPECT_EQ(liveInstances().size(), 3u);
  EXPECT_EQ(claims().size(), 3u);
  std::printf("[ metric ] Job creation -> first EC2 launch call: %lld ms, -> 3 trials Running: %lld ms\n",
              msBetween(created, firstCall->at), msBetween(created, allRunning));
  EXPECT_EQ(controller_->terminate(15s), 0);
  controller_.reset();
}

// One pod at a time (each needs a node of its own: a g4dn.xlarge has one GPU), three
// samples: pod created (the POST returned; its duration is printed too) -> the launch starts (the controller's
// "launching instance" line, just before its first EC2 call for the claim) -> a Node with
// the claim's providerID exists -> the pod is Running. Polled every 25 ms.
TEST_F(ProvisioningE2eTest, MeasuresPodToLaunchToNodeToRunningLatency) {
  ASSERT_NO_FATAL_FAILURE(startController({"--batch-idle", "1s", "--batch-max", "10s"}));
  for (int sample = 1; sample <= 3; ++sample) {
    const std::string name = "latency-" + std::to_string(sample);
    // The pod came to exist somewhere inside the POST: both ends are reported.
    const auto sent = std::chrono::system_clock::now();
    ASSERT_NO_FATAL_FAILURE(createPod(name, 1));
    const auto created = std::chrono::system_clock::now();
    auto call = controller_->waitFor("launching instance", 30s, sample);
    ASSERT_TRUE(call) << controller_->output();
    auto window = controller_->lastBefore("batch closed", call->at);  // the batch that launched it
    ASSERT_TRUE(window);
    std::chrono::system_clock::time_point registered{}, running{};
    ASSERT_TRUE(eventually(
        [&] {
          const auto now = std::chrono::system_clock::now();
          if (registered == std::chrono::system_clock::time_point{} && nodes().size() == static_cast<size_t>(sample)) {
            registered = now;
          }
          auto pod = client().get(kube::ResourcePath{.resource = "pods", .ns = run_}.withName(name));
          if (pod && (*pod)["status"].value("phase", "") == "Running") running = now;
          return running != std::chrono::system_clock::time_point{};
        },
        60s, 25ms))
        << controller_->output();
    if (registered == std::chrono::system_clock::time_point{}) registered = running;
    const std::string& line = window->text;
    const auto at = line.find("window_ms=");
    ASSERT_NE(at, std::string::npos) << line;
    const long long windowMs = std::stoll(line.substr(at + 10));
    const long long toCall = msBetween(created, call->at);
    const long long toClose = msBetween(created, window->at);
    // pod -> launch = (scheduler marks it Unschedulable, the watch delivers it: the window
    // opens) + the window + (the pass: read, solve, NodeClaim created).
    std::printf("[ metric ] sample %d: pod POST %lld ms; pod -> launch call %lld ms = %lld ms to the window's opening + "
                "%lld ms window + %lld ms pass; -> Node registered %lld ms, -> Running %lld ms\n",
                sample, msBetween(sent, created), toCall, toClose - windowMs, windowMs, toCall - toClose,
                msBetween(created, registered), msBetween(created, running));
  }
  EXPECT_EQ(liveInstances().size(), 3u);
}

}  // namespace
}  // namespace gantry::e2e
