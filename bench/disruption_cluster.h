// The cluster disruption_bench.cpp runs a pass over (its top comment describes it), built
// once per shape into the informer-cache model (bench/in_memory_cluster.h). Included by that
// benchmark only, hence the unnamed namespace.
#pragma once

#include <prometheus/registry.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "bench/in_memory_cluster.h"
#include "bench/object_builders.h"
#include "provisioner/disruption/disruption_controller.h"
#include "provisioner/metrics.h"
#include "provisioner/nodeclaim/drain.h"
#include "provisioner/state/nominations.h"
#include "src/api/well_known_labels.h"
#include "tests/fakes/fake_clock.h"

namespace gantry {
namespace {

namespace nc = api::nodeclaim;
using namespace std::chrono_literals;
using provisioner::disruption::DisruptionReconciler;
using provisioner::disruption::PassResult;

const Clock::TimePoint kStart = std::chrono::sys_days{std::chrono::year{2026} / 3 / 2} + 10h;

using bench::q;
using bench::trueCondition;

api::Toleration tolerateAll(std::string key) {
  api::Toleration t;
  t.key = std::move(key);
  t.op = api::Toleration::Op::kExists;
  return t;
}

api::DisruptionBudget budget(std::string nodes) {
  api::DisruptionBudget b;
  b.nodes = std::move(nodes);
  return b;
}

struct Shape {
  int64_t nodes = 5000;
  int64_t pods = 50000;
  bool writes = false;
  auto operator<=>(const Shape&) const = default;
};

// What the pass should find, to check the cluster is the one described above.
struct Expected {
  size_t candidates = 0;
  size_t disrupted = 0;
};

struct Fixture {
  bench::InMemoryCluster cluster;
  std::vector<std::string> provisionerNominated;  // node names the provisioner planned onto
  Expected expected;
  size_t initialized = 0;
};

enum class Role {
  kBusy,              // running pods
  kEmpty,             // empty and Consolidatable: a candidate
  kEmptyNominated,    // empty, Consolidatable, a pending pod nominated to it by the scheduler
  kEmptyProvisioner,  // empty, Consolidatable, the provisioner planned a pod onto it
  kEmptyRecent,       // empty, not Consolidatable yet
  kFenced,            // carries the disrupted taint (a disruption in flight)
  kDeleting,          // claim being deleted
  kNotReady,
};

struct PoolSpec {
  std::string name;
  double share;
  int64_t gpus;  // per node; gpu-infer alternates 1 and 4
  std::string consolidateAfter;
  std::vector<api::DisruptionBudget> budgets;
  std::string instanceType;
};

int64_t scaled(int64_t per5000, int64_t nodes) {
  if (per5000 == 0) return 0;
  return std::max<int64_t>(1, static_cast<int64_t>(std::llround(static_cast<double>(per5000) *
                                                                static_cast<double>(nodes) / 5000)));
}

int64_t ceilPercent(int64_t percent, int64_t n) { return (percent * n + 99) / 100; }

std::string nodeName(size_t i) {
  // ip-10-x-y-z.ec2.internal, unique per index.
  return "ip-10-" + std::to_string(16 + i / 65536) + "-" + std::to_string((i / 256) % 256) + "-" +
         std::to_string(i % 256) + ".ec2.internal";
}

std::string providerId(size_t i) {
  char id[32];
  std::snprintf(id, sizeof(id), "i-0%016zx", i * 2654435761u);
  return std::string("aws:///us-east-1") + "abc"[i % 3] + "/" + id;
}

api::Node makeNode(size_t i, const std::string& pool, const std::string& instanceType,
                   int64_t gpus) {
  api::Node node;
  node.name = nodeName(i);
  node.providerId = providerId(i);
  node.labels = {{std::string(api::label::kHostname), node.name},
                 {std::string(api::label::kInstanceType), instanceType},
                 {std::string(api::label::kZone), std::string("us-east-1") + "abc"[i % 3]},
                 {std::string(api::label::kArch), "amd64"},
                 {std::string(api::label::kOs), "linux"},
                 {std::string(api::label::kCapacityType), "on-demand"}};
  if (!pool.empty()) node.labels[std::string(api::label::kNodePool)] = pool;
  node.allocatable.set("cpu", q(gpus > 0 ? "95" : "31"));
  node.allocatable.set("memory", q(gpus > 0 ? "1100Gi" : "120Gi"));
  node.allocatable.set("pods", q("110"));
  if (gpus > 0) node.allocatable.set("nvidia.com/gpu", api::Quantity::fromValue(gpus));
  node.nodePool = pool;
  node.instanceType = instanceType;
  return node;
}

api::NodeClaim makeClaim(size_t i, const PoolSpec& pool, const std::string& node, bool initialized,
                         Clock::TimePoint since) {
  api::NodeClaim claim;
  char suffix[16];
  std::snprintf(suffix, sizeof(suffix), "%05zx", i);
  claim.name = pool.name + "-" + suffix;
  claim.uid = "uid-" + claim.name;
  claim.resourceVersion = std::to_string(1000 + i);
  claim.generation = 1;
  claim.labels = {{std::string(api::label::kNodePool), pool.name},
                  {std::string(api::label::kInstanceType), pool.instanceType},
                  {std::string(api::label::kZone), std::string("us-east-1") + "abc"[i % 3]},
                  {std::string(api::label::kCapacityType), "on-demand"}};
  claim.finalizers = {std::string(nc::kTerminationFinalizer)};
  claim.ownerReferences = {{"gantry.dev/v1", "NodePool", pool.name, "uid-" + pool.name, false, true}};
  claim.creationTimestamp = since - 10min;
  claim.nodeClassRef = {"gantry.dev", "EC2NodeClass", "default"};
  claim.requirements = {{std::string(api::label::kInstanceType), api::SelectorOp::kIn, {pool.instanceType}}};
  claim.conditions.push_back(trueCondition(nc::kLaunched, since - 5min));
  if (initialized) {
    claim.providerId = providerId(i);
    claim.nodeName = node;
    for (auto type : {nc::kRegistered, nc::kInitialized, nc::kReady}) {
      claim.conditions.push_back(trueCondition(type, since));
    }
  }
  return claim;
}

api::Pod makePod(std::string ns, std::string name, const std::string& node, std::string phase) {
  api::Pod pod;
  pod.ns = std::move(ns);
  pod.name = std::move(name);
  pod.uid = "uid-" + pod.name;
  pod.nodeName = node;
  pod.phase = std::move(phase);
  return pod;
}

const std::vector<std::pair<std::string, std::string>> kDaemonSets = {
    {"kube-proxy", "100m"}, {"aws-node", "25m"}, {"node-exporter", "50m"}};

void addDaemonSetPods(bench::InMemoryCluster& cluster, const api::Node& node, bool gpu) {
  auto add = [&](const std::string& ds, const std::string& cpu) {
    api::Pod pod = makePod("kube-system", ds + "-" + node.name, node.name, "Running");
    pod.owner = {"DaemonSet", ds, "uid-" + ds};
    pod.labels = {{"app.kubernetes.io/name", ds}};
    pod.requests.set("cpu", q(cpu));
    pod.requests.set("memory", q("64Mi"));
    pod.priority = 2000001000;
    pod.tolerations = {tolerateAll("")};
    cluster.put(std::move(pod));
  };
  for (const auto& [ds, cpu] : kDaemonSets) add(ds, cpu);
  if (gpu) add("nvidia-device-plugin", "50m");
}

std::unique_ptr<Fixture> build(const Shape& shape) {
  auto f = std::make_unique<Fixture>();
  bench::InMemoryCluster& cluster = f->cluster;
  std::mt19937 rng(42);
  const int64_t n = shape.nodes;

  const api::DisruptionBudget tenPercent = budget("10%");  // Karpenter's default
  const std::vector<PoolSpec> specs = {
      {"cpu", 0.48, 0, "30s", {budget("2%")}, "m6i.8xlarge"},
      {"gpu-train", 0.30, 8, "1h", {tenPercent}, "p4d.24xlarge"},
      {"gpu-infer", 0.16, 1, "5m", {budget("5%")}, "g5.12xlarge"},
      {"batch", 0.06, 0, "Never", {tenPercent}, "c6i.8xlarge"},
  };
  for (const auto& spec : specs) {
    api::NodePool pool;
    pool.name = spec.name;
    pool.generation = 1;
    pool.nodeClassRef = "default";
    pool.consolidateAfter = spec.consolidateAfter;
    pool.budgets = spec.budgets;
    pool.requirements = {{std::string(api::label::kInstanceType), api::SelectorOp::kIn, {spec.instanceType}}};
    cluster.put(std::move(pool));
  }

  // Roles per pool, as counts per 5,000 nodes (scaled).
  struct Plan {
    const PoolSpec* spec;
    int64_t nodes;
    std::vector<std::pair<Role, int64_t>> roles;  // the rest are kBusy
  };
  std::vector<Plan> plans;
  int64_t assigned = 0;
  for (size_t p = 0; p < specs.size(); ++p) {
    const PoolSpec& spec = specs[p];
    int64_t count = p + 1 == specs.size() ? n - assigned
                                          : static_cast<int64_t>(std::llround(spec.share * static_cast<double>(n)));
    assigned += count;
    Plan plan{&spec, count, {}};
    if (spec.name == "cpu") {
      int64_t disrupting = ceilPercent(2, count) - (shape.writes ? 5 : 0);
      plan.roles = {{Role::kFenced, disrupting / 2},
                    {Role::kDeleting, disrupting - disrupting / 2},
                    {Role::kEmpty, scaled(150, n)},
                    {Role::kEmptyNominated, scaled(20, n)},
                    {Role::kEmptyRecent, scaled(30, n)}};
      f->expected.disrupted = shape.writes ? 5 : 0;
    } else if (spec.name == "gpu-train") {
      plan.roles = {{Role::kEmpty, scaled(80, n)},
                    {Role::kEmptyProvisioner, scaled(10, n)},
                    {Role::kEmptyRecent, scaled(20, n)}};
    } else if (spec.name == "gpu-infer") {
      plan.roles = {{Role::kNotReady, ceilPercent(5, count)}, {Role::kEmpty, scaled(70, n)}};
    } else {
      plan.roles = {{Role::kEmpty, scaled(20, n)}};
    }
    plans.push_back(std::move(plan));
  }

  // Claims and Nodes.
  struct Placed {
    std::string node;
    int64_t gpus;
  };
  std::vector<Placed> busy;  // where running pods go
  std::vector<std::string> emptyNominated;
  std::vector<std::string> allManaged;
  size_t index = 0;
  for (const Plan& plan : plans) {
    const PoolSpec& spec = *plan.spec;
    std::vector<Role> roles;
    for (const auto& [role, count] : plan.roles) roles.insert(roles.end(), count, role);
    roles.resize(plan.nodes, Role::kBusy);
    std::shuffle(roles.begin(), roles.end(), rng);
    size_t dnd = 0;
    for (Role role : roles) {
      const size_t i = index++;
      int64_t gpus = spec.gpus;
      if (spec.name == "gpu-infer") gpus = i % 2 == 0 ? 1 : 4;
      api::Node node = makeNode(i, spec.name, spec.instanceType, gpus);
      const auto since = kStart - std::chrono::hours(2 + static_cast<int64_t>(i % 72));
      api::NodeClaim claim = makeClaim(i, spec, node.name, true, since);
      ++f->initialized;
      const bool empty = role == Role::kEmpty || role == Role::kEmptyNominated ||
                         role == Role::kEmptyProvisioner || role == Role::kEmptyRecent;
      bool consolidatable = empty && role != Role::kEmptyRecent;
      if (role == Role::kBusy) consolidatable = rng() % 10 < 6;
      if (empty) {
        // Emptied a while ago; the recent ones within any pool's consolidateAfter.
        claim.lastPodEventTime = role == Role::kEmptyRecent
                                     ? kStart - 10s
                                     : kStart - std::chrono::minutes(70 + static_cast<int64_t>(i % 50));
      }
      if (consolidatable) {
        claim.conditions.push_back(trueCondition(nc::kConsolidatable, kStart - 1h));
      }
      switch (role) {
        case Role::kFenced:
          node.taints.push_back(provisioner::nodeclaim::disruptedTaint());
          node.unschedulable = true;
          break;
        case Role::kDeleting: claim.deletionTimestamp = kStart - 1min; break;
        case Role::kNotReady: node.ready = false; break;
        case Role::kEmptyNominated: emptyNominated.push_back(node.name); break;
        case Role::kEmptyProvisioner: f->provisionerNominated.push_back(node.name); break;
        default: break;
      }
      if (role == Role::kEmpty && spec.consolidateAfter != "Never") {
        ++f->expected.candidates;
        if (spec.name == "gpu-train") {
          // Held by do-not-disrupt: half on the claim, half on the Node.
          auto& annotations = dnd++ % 2 == 0 ? claim.annotations : node.annotations;
          annotations[std::string(nc::kKarpenterDoNotDisruptAnnotation)] = "true";
        }
      }
      addDaemonSetPods(cluster, node, gpus > 0);
      allManaged.push_back(node.name);
      if (!empty) busy.push_back({node.name, gpus});
      cluster.put(std::move(node));
      cluster.put(std::move(claim));
    }
  }
  // Claims still launching (no Node yet), and unmanaged system Nodes.
  for (int64_t k = 0; k < scaled(25, n); ++k) {
    const size_t i = index++;
    cluster.put(makeClaim(i, specs[k % 2], "", false, kStart - 1min));
  }
  for (int64_t k = 0; k < scaled(50, n); ++k) {
    const size_t i = index++;
    api::Node node = makeNode(i, "", "m6i.2xlarge", 0);
    addDaemonSetPods(cluster, node, false);
    busy.push_back({node.name, 0});
    cluster.put(std::move(node));
  }

  // Pending pods (some nominated), Succeeded pods still bound, then running pods.
  const int64_t daemonSetPods = static_cast<int64_t>(cluster.podCount());
  const int64_t pending = shape.pods / 50;
  const int64_t succeeded = shape.pods * 3 / 100;
  const int64_t running = shape.pods - daemonSetPods - pending - succeeded;
  if (running < static_cast<int64_t>(busy.size())) return nullptr;
  std::vector<std::string> nominatedBusy;
  for (int64_t k = 0; k < scaled(30, n); ++k) nominatedBusy.push_back(busy[rng() % busy.size()].node);
  for (int64_t k = 0; k < pending; ++k) {
    api::Pod pod = makePod("katib", "trial-" + std::to_string(k), "", "Pending");
    pod.owner = {"Job", "trial-" + std::to_string(k), ""};
    pod.requests.set("cpu", q("4"));
    pod.requests.set("memory", q("16Gi"));
    pod.requests.set("nvidia.com/gpu", q("1"));
    if (static_cast<size_t>(k) < emptyNominated.size()) {
      pod.nominatedNodeName = emptyNominated[k];
    } else if (static_cast<size_t>(k) - emptyNominated.size() < nominatedBusy.size()) {
      pod.nominatedNodeName = nominatedBusy[k - emptyNominated.size()];
    } else {
      pod.unschedulable = k % 3 != 0;
    }
    cluster.put(std::move(pod));
  }
  for (int64_t k = 0; k < succeeded; ++k) {
    api::Pod pod = makePod("team-" + std::to_string(k % 7), "job-" + std::to_string(k) + "-x7k2p",
                           allManaged[rng() % allManaged.size()], "Succeeded");
    pod.owner = {"Job", "job-" + std::to_string(k), ""};
    cluster.put(std::move(pod));
  }
  std::map<std::string, int64_t> gpusUsed;
  for (int64_t k = 0; k < running; ++k) {
    // Every busy node gets one pod, then they go at random.
    const Placed& at = static_cast<size_t>(k) < busy.size() ? busy[k] : busy[rng() % busy.size()];
    const bool train = at.gpus > 0;
    api::Pod pod = makePod("team-" + std::to_string(k % 7),
                           (train ? "worker-" : "svc-") + std::to_string(k) + "-5d8f9c6b7-abcde",
                           at.node, "Running");
    pod.owner = {"ReplicaSet", "svc-" + std::to_string(k % 40), ""};
    pod.labels = {{"app", "svc-" + std::to_string(k % 40)}, {"team", std::to_string(k % 7)}};
    pod.requests.set("cpu", q("1"));
    pod.requests.set("memory", q("4Gi"));
    if (train && gpusUsed[at.node] < at.gpus) {
      ++gpusUsed[at.node];
      pod.requests.set("nvidia.com/gpu", q("1"));
      pod.tolerations = {tolerateAll("nvidia.com/gpu")};
    }
    if (k % 100 == 0) pod.annotations[std::string(nc::kDoNotDisruptAnnotation)] = "true";
    cluster.put(std::move(pod));
  }
  if (static_cast<int64_t>(cluster.podCount()) != shape.pods) return nullptr;
  return f;
}

// Clusters are built once per shape and shared by the runs of the benchmark (the reader is
// never changed by a pass).
const Fixture* fixture(const Shape& shape) {
  static std::map<Shape, std::unique_ptr<Fixture>> built;
  auto it = built.find(shape);
  if (it == built.end()) it = built.emplace(shape, build(shape)).first;
  return it->second.get();
}

}  // namespace
}  // namespace gantry
