// One provisioning pass at controller scale (issue 16's goal: under 50 ms from batch close to
// the first EC2 call): 5,000 Nodes with their NodeClaims and 50,000 bound pods in the
// informer-cache model, then 500 pods pending: 450 one-CPU pods that fit the existing nodes
// and 50 one-GPU trials that need new ones.
//
// The pass is the controller's: the source copies the cache's objects as cacheSource does
// (provisioner/provisioning/cache_source.cpp; the same kube::ObjectStore lists), and
// Provisioner::provision builds the snapshot, solves and creates the NodeClaims. The first
// EC2 call follows the first NodeClaim's creation straight away in the controller (the
// lifecycle's Launch step on the informer's add event), so the time to that creation is
// reported as `to_first_claim_ms`; `read_ms` is the source's share of it.
//
//   build/bench/provisioning_bench --benchmark_counters_tabular=true
#include <benchmark/benchmark.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bench/object_builders.h"
#include "cloudprovider/catalog/bundled_catalog.h"
#include "provisioner/provisioning/batcher.h"
#include "provisioner/provisioning/cluster_writer.h"
#include "provisioner/provisioning/provisioner.h"
#include "provisioner/simulate/in_memory_cluster.h"
#include "src/api/well_known_labels.h"
#include "tests/fakes/fake_cloud_provider.h"
#include "tests/fakes/fake_clock.h"
#include "tests/fakes/fake_event_recorder.h"

namespace gantry {
namespace {

namespace nc = api::nodeclaim;
using SteadyClock = std::chrono::steady_clock;

using bench::q;
using bench::trueCondition;

std::string zoneOf(size_t i) { return std::string("us-east-1") + "abc"[i % 3]; }

// An m5.8xlarge of the pool "general", registered and initialized, with its claim.
void addNode(provisioner::simulate::InMemoryCluster& cluster, size_t i, Clock::TimePoint since) {
  char name[48];
  std::snprintf(name, sizeof(name), "ip-10-%zu-%zu-%zu.ec2.internal", 16 + i / 65536,
                (i / 256) % 256, i % 256);
  char id[32];
  std::snprintf(id, sizeof(id), "i-0%016zx", i * 2654435761u);
  const std::string providerId = "aws:///" + zoneOf(i) + "/" + id;

  api::Node node;
  node.name = name;
  node.providerId = providerId;
  node.labels = {{std::string(api::label::kHostname), node.name},
                 {std::string(api::label::kInstanceType), "m5.8xlarge"},
                 {std::string(api::label::kZone), zoneOf(i)},
                 {std::string(api::label::kArch), "amd64"},
                 {std::string(api::label::kOs), "linux"},
                 {std::string(api::label::kCapacityType), "on-demand"},
                 {std::string(api::label::kNodePool), "general"}};
  node.allocatable.set("cpu", q("31"));
  node.allocatable.set("memory", q("120Gi"));
  node.allocatable.set("pods", q("110"));
  node.ready = true;
  node.nodePool = "general";
  node.instanceType = "m5.8xlarge";

  api::NodeClaim claim;
  claim.name = "general-" + std::to_string(i);
  claim.uid = "uid-" + claim.name;
  claim.labels = {{std::string(api::label::kNodePool), "general"},
                  {std::string(api::label::kInstanceType), "m5.8xlarge"},
                  {std::string(api::label::kZone), zoneOf(i)},
                  {std::string(api::label::kCapacityType), "on-demand"}};
  claim.nodeClassRef = {"gantry.dev", "EC2NodeClass", "default"};
  claim.providerId = providerId;
  claim.nodeName = node.name;
  for (auto type : {nc::kLaunched, nc::kRegistered, nc::kInitialized, nc::kReady}) {
    claim.conditions.push_back(trueCondition(type, since));
  }
  cluster.put(std::move(claim));
  cluster.put(std::move(node));
}

api::Pod makePod(std::string name, const std::string& node, const std::string& cpu,
                 const std::string& memory, int64_t gpus = 0) {
  api::Pod pod;
  pod.ns = "ml";
  pod.name = std::move(name);
  pod.uid = "uid-" + pod.name;
  pod.nodeName = node;
  pod.phase = node.empty() ? "Pending" : "Running";
  pod.unschedulable = node.empty();
  pod.requests.set("cpu", q(cpu));
  pod.requests.set("memory", q(memory));
  if (gpus > 0) pod.requests.set("nvidia.com/gpu", api::Quantity::fromValue(gpus));
  pod.labels = {{"app", pod.name.substr(0, pod.name.find('-'))}};
  return pod;
}

// Keeps nothing but when the first claim was created.
class FirstClaimWriter final : public provisioner::ClusterWriter {
 public:
  Result<api::NodeClaim> createNodeClaim(const api::NodeClaim& claim) override {
    if (!firstAt) firstAt = SteadyClock::now();
    api::NodeClaim stored = claim;
    stored.name = claim.name.empty() ? "claim-" + std::to_string(++created) : claim.name;
    stored.uid = "uid-" + stored.name;
    stored.resourceVersion = "1";
    return stored;
  }
  Result<api::NodeClaim> updateNodeClaim(const api::NodeClaim& claim) override { return claim; }
  Status deleteNodeClaim(const std::string&) override { return Status::ok(); }
  Status setNodePoolCondition(const std::string&, const api::Condition&) override {
    return Status::ok();
  }
  std::optional<SteadyClock::time_point> firstAt;
  size_t created = 0;
};

api::NodePool pool(const std::string& name) {
  api::NodePool p;
  p.name = name;
  p.nodeClassRef = "default";
  return p;
}

void BM_ProvisioningPass(benchmark::State& state) {
  spdlog::set_level(spdlog::level::warn);
  const size_t nodes = static_cast<size_t>(state.range(0));
  const size_t podsPerNode = 10;
  FakeClock clock;
  provisioner::simulate::InMemoryCluster cluster;
  cluster.put(pool("general"));
  cluster.put(pool("gpu"));
  for (size_t i = 0; i < nodes; ++i) {
    addNode(cluster, i, clock.now());
  }
  for (const auto& node : cluster.nodesByName()) {
    for (size_t k = 0; k < podsPerNode; ++k) {
      cluster.put(makePod("web-" + node->name + "-" + std::to_string(k), node->name, "1", "2Gi"));
    }
  }
  for (size_t k = 0; k < 450; ++k) cluster.put(makePod("batch-" + std::to_string(k), "", "1", "2Gi"));
  for (size_t k = 0; k < 50; ++k) {
    cluster.put(makePod("trial-" + std::to_string(k), "", "4", "16Gi", 1));
  }

  auto types = cloudprovider::bundledInstanceTypes("us-east-1");
  if (!types) {
    state.SkipWithError(types.error().message().c_str());
    return;
  }
  cloudprovider::FakeCloudProvider cloud(**types);
  kube::FakeEventRecorder events;
  provisioner::Batcher batcher(clock);

  // What cacheSource copies out of the informer stores, over the same stores.
  auto read = [&cluster] {
    provisioner::ClusterObjects objects;
    for (const auto& pod : cluster.pendingPods()) objects.pending.push_back(*pod);
    for (const auto& pod : cluster.pods()) {
      if (pod->nodeName.empty() || pod->phase == "Succeeded" || pod->phase == "Failed") continue;
      objects.bound.push_back(pod);
    }
    objects.nodes = cluster.nodes();
    for (const auto& p : cluster.nodePools()) objects.nodePools.push_back(*p);
    objects.nodeClaims = cluster.nodeClaims();
    return objects;
  };

  double readMs = 0;
  double firstClaimMs = 0;
  size_t claims = 0;
  for (auto _ : state) {
    FirstClaimWriter writer;
    provisioner::Provisioner provisioner(read, batcher, writer, cloud, events, clock,
                                         {.region = "us-east-1"});
    const auto closed = SteadyClock::now();
    provisioner::ClusterObjects objects = read();
    const auto readDone = SteadyClock::now();
    provisioner::ProvisionResult result = provisioner.provision(std::move(objects));
    if (!writer.firstAt) {
      state.SkipWithError("the pass created no NodeClaim");
      return;
    }
    readMs += std::chrono::duration<double, std::milli>(readDone - closed).count();
    firstClaimMs += std::chrono::duration<double, std::milli>(*writer.firstAt - closed).count();
    claims = result.claimsCreated;
  }
  // Means over the iterations.
  const auto runs = static_cast<double>(state.iterations());
  state.counters["read_ms"] = readMs / runs;
  state.counters["to_first_claim_ms"] = firstClaimMs / runs;
  state.counters["claims"] = static_cast<double>(claims);
  state.counters["bound_pods"] = static_cast<double>(nodes * podsPerNode);
}
BENCHMARK(BM_ProvisioningPass)->Arg(500)->Arg(5000)->Unit(benchmark::kMillisecond)
    ->Iterations(5);

}  // namespace
}  // namespace gantry

BENCHMARK_MAIN();
