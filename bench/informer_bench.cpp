// Informer cache memory and list/watch throughput against the real test apiserver (a
// harness that prints figures; it needs tests/testenv/up). It creates KWOK-managed fake
// nodes and pods bound to them, then measures:
//   - list: time for the pod and node informers to sync from scratch (pods/s);
//   - memory: heap held by the cache once synced (mallinfo2 delta), per pod, and against
//     the size of the JSON the apiserver sent;
//   - watch: end-to-end rate at which label patches reach the cache's handlers;
//   - decode: the in-process cost of decoding one pod into the cache model (the baseline
//     that shows where list time goes).
// Usage: informer_bench [--pods 50000] [--nodes 5000] [--threads 8] [--patches 5000] [--keep]
#include <malloc.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "src/common/clock.h"
#include "src/kube/cluster_cache.h"
#include "src/kube/kubeconfig.h"
#include "src/kube/rest_client.h"
#include "tests/support/testenv.h"

namespace {

using gantry::kube::ResourcePath;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr const char* kNamespace = "bench-informer";

double secondsSince(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

size_t heapInUse() {
  malloc_trim(0);
  return mallinfo2().uordblks;
}

json benchNode(int i) {
  return {{"metadata",
           {{"name", "bench-node-" + std::to_string(i)},
            {"annotations", {{"kwok.x-k8s.io/node", "fake"}}},
            {"labels",
             {{"gantry.dev/bench", "informer"},
              {"kubernetes.io/hostname", "bench-node-" + std::to_string(i)},
              {"node.kubernetes.io/instance-type", "m5.8xlarge"},
              {"topology.kubernetes.io/zone", "us-east-1a"},
              {"type", "kwok"}}}}},
          {"spec", {{"taints", json::array({{{"key", "kwok.x-k8s.io/node"}, {"value", "fake"},
                                             {"effect", "NoSchedule"}}})}}},
          {"status",
           {{"allocatable", {{"cpu", "32"}, {"memory", "128Gi"}, {"pods", "110"}}},
            {"capacity", {{"cpu", "32"}, {"memory", "128Gi"}, {"pods", "110"}}}}}};
}

// A pod shaped like a Deployment's: labels, an owner, requests, tolerations, and a
// kubectl last-applied annotation of about 1 KiB (which the cache does not keep).
json benchPod(int i, int nodes, const std::string& ownerUid) {
  const std::string app = "app-" + std::to_string(i % 100);
  return {{"metadata",
           {{"name", "bench-pod-" + std::to_string(i)},
            {"labels", {{"app", app}, {"pod-template-hash", "5d8f9c7b6"}, {"tier", "training"}}},
            {"annotations", {{"kubectl.kubernetes.io/last-applied-configuration", std::string(1024, 'x')}}},
            {"ownerReferences", json::array({{{"apiVersion", "v1"}, {"kind", "ConfigMap"},
                                              {"name", "bench-owner"}, {"uid", ownerUid}}})}}},
          {"spec",
           {{"nodeName", "bench-node-" + std::to_string(i % nodes)},
            {"containers",
             json::array({{{"name", "main"},
                           {"image", "registry.example/train:v1"},
                           {"resources", {{"requests", {{"cpu", "100m"}, {"memory", "128Mi"}}}}}}})},
            {"tolerations", json::array({{{"key", "kwok.x-k8s.io/node"}, {"operator", "Exists"},
                                          {"effect", "NoSchedule"}}})}}}};
}

// Runs fn(i) for i in [0, n) on `threads` threads; returns the failures.
template <typename Fn>
int parallelFor(int n, int threads, Fn fn) {
  std::atomic<int> next{0}, failures{0};
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      for (int i = next++; i < n; i = next++) {
        if (!fn(i)) ++failures;
      }
    });
  }
  for (auto& t : pool) t.join();
  return failures.load();
}

int intFlag(int argc, char** argv, const std::string& name, int fallback) {
  for (int i = 1; i + 1 < argc; ++i) {
    if (argv[i] == name) return std::atoi(argv[i + 1]);
  }
  return fallback;
}

bool hasFlag(int argc, char** argv, const std::string& name) {
  for (int i = 1; i < argc; ++i) {
    if (argv[i] == name) return true;
  }
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  const int pods = intFlag(argc, argv, "--pods", 50000);
  const int nodes = intFlag(argc, argv, "--nodes", 5000);
  const int threads = intFlag(argc, argv, "--threads", 8);
  const int patches = intFlag(argc, argv, "--patches", 5000);
  const bool keep = hasFlag(argc, argv, "--keep");

  auto env = gantry::testing::TestEnv::load();
  if (!env) {
    std::cerr << "informer_bench: no test environment (run tests/testenv/up)\n";
    return 2;
  }
  auto cfg = gantry::kube::loadKubeconfigFile(env->kubeconfig());
  if (!cfg) {
    std::cerr << "informer_bench: " << cfg.error().toString() << "\n";
    return 1;
  }
  gantry::RealClock clock;
  auto admin = gantry::kube::connect(*cfg, clock, {.qps = 0, .maxRetries = 8});
  if (!admin) {
    std::cerr << "informer_bench: " << admin.error().toString() << "\n";
    return 1;
  }
  auto& api = *admin->client;
  const ResourcePath namespaces{.resource = "namespaces"};
  const ResourcePath podPath{.resource = "pods", .ns = kNamespace};
  const ResourcePath nodePath{.resource = "nodes"};

  // Set-up: reuse what a --keep run left.
  (void)api.create(namespaces, json{{"metadata", {{"name", kNamespace}}}});
  (void)api.create({.resource = "serviceaccounts", .ns = kNamespace}, json{{"metadata", {{"name", "default"}}}});
  (void)api.create({.resource = "configmaps", .ns = kNamespace}, json{{"metadata", {{"name", "bench-owner"}}}});
  auto owner = api.get(ResourcePath{.resource = "configmaps", .ns = kNamespace}.withName("bench-owner"));
  if (!owner) {
    std::cerr << "informer_bench: " << owner.error().toString() << "\n";
    return 1;
  }
  const std::string ownerUid = (*owner)["metadata"]["uid"];
  auto t0 = Clock::now();
  int failed = parallelFor(nodes, threads, [&](int i) {
    auto r = api.create(nodePath, benchNode(i));
    return r || r.error().isAlreadyExists();
  });
  std::printf("create nodes:   %d in %.1f s (%d failed)\n", nodes, secondsSince(t0), failed);
  t0 = Clock::now();
  failed = parallelFor(pods, threads, [&](int i) {
    auto r = api.create(podPath, benchPod(i, nodes, ownerUid));
    return r || r.error().isAlreadyExists();
  });
  std::printf("create pods:    %d in %.1f s, %.0f pods/s (%d failed)\n", pods, secondsSince(t0),
              pods / secondsSince(t0), failed);

  // What the apiserver sends for the pods (one list, as the informer's first list would).
  t0 = Clock::now();
  double rawListSeconds = 0;
  size_t rawBytes = 0, rawCount = 0;
  {
    auto raw = api.listAll({.resource = "pods"}, {.limit = 500});
    rawListSeconds = secondsSince(t0);
    if (raw) {
      rawCount = raw->items.size();
      for (const auto& item : raw->items) rawBytes += item.dump().size();
    }
  }

  // Baseline in the same process: decoding one representative pod into the cache model.
  json sample = benchPod(1, nodes, ownerUid);
  sample["metadata"]["namespace"] = kNamespace;
  sample["metadata"]["resourceVersion"] = "1";
  t0 = Clock::now();
  constexpr int kDecodes = 20000;
  for (int i = 0; i < kDecodes; ++i) {
    auto p = gantry::kube::decodeCachedPod(sample);
    if (!p) return 1;
  }
  const double decodeMicros = secondsSince(t0) * 1e6 / kDecodes;

  // The informer cache, from scratch.
  auto informerConn = gantry::kube::connect(*cfg, clock, {.qps = 0});
  if (!informerConn) return 1;
  const size_t heapBefore = heapInUse();
  auto cache = std::make_unique<gantry::kube::ClusterCache>(*informerConn->client, clock);
  std::atomic<int> benchUpdates{0};
  cache->pods().addHandlers({.onAdd = nullptr,
                             .onUpdate =
                                 [&](const auto&, const auto& now) {
                                   if (now->labels.contains("bench-patched")) ++benchUpdates;
                                 },
                             .onDelete = nullptr});
  t0 = Clock::now();
  cache->start();
  if (!cache->waitForSync(std::chrono::minutes(10))) {
    std::cerr << "informer_bench: informers did not sync\n";
    return 1;
  }
  const double syncSeconds = secondsSince(t0);
  const size_t cachedPods = cache->pods().store().size();
  const size_t cachedNodes = cache->nodes().store().size();
  const size_t heapAfter = heapInUse();
  const double cacheMiB = static_cast<double>(heapAfter - heapBefore) / (1 << 20);
  std::printf("list+sync:      %zu pods + %zu nodes in %.2f s (%.0f objects/s)\n", cachedPods,
              cachedNodes, syncSeconds, (cachedPods + cachedNodes) / syncSeconds);
  std::printf("raw list:       %zu pods, %.1f MiB of JSON, fetched in %.2f s\n", rawCount,
              rawBytes / 1048576.0, rawListSeconds);
  std::printf("cache memory:   %.1f MiB for %zu pods + %zu nodes (%.0f bytes/object; %.1f%% of "
              "the pods' JSON)\n",
              cacheMiB, cachedPods, cachedNodes,
              (heapAfter - heapBefore) / double(cachedPods + cachedNodes),
              100.0 * (heapAfter - heapBefore) / std::max<size_t>(rawBytes, 1));
  std::printf("decode:         %.1f us per pod in-process (%.0f pods/s on one core)\n", decodeMicros,
              1e6 / decodeMicros);

  // Watch throughput: patches made now must all arrive through the watch.
  const int toPatch = std::min(patches, pods);
  t0 = Clock::now();
  failed = parallelFor(toPatch, threads, [&](int i) {
    return api
        .patch(podPath.withName("bench-pod-" + std::to_string(i)), gantry::kube::PatchType::kMerge,
               json{{"metadata", {{"labels", {{"bench-patched", std::to_string(Clock::now().time_since_epoch().count())}}}}}})
        .has_value();
  });
  const double patchSeconds = secondsSince(t0);
  while (benchUpdates.load() < toPatch - failed && secondsSince(t0) < 300) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  const double watchSeconds = secondsSince(t0);
  std::printf("watch:          %d patches sent in %.2f s; all %d seen by the cache after %.2f s "
              "(%.0f events/s end to end)\n",
              toPatch, patchSeconds, benchUpdates.load(), watchSeconds, benchUpdates.load() / watchSeconds);
  const auto stats = cache->pods().stats();
  std::printf("informer:       lists=%lu relists=%lu watches=%lu events=%lu decodeErrors=%lu\n",
              stats.lists, stats.relists, stats.watches, stats.events, stats.decodeErrors);
  cache->stop();

  if (!keep) {
    t0 = Clock::now();
    (void)api.remove(namespaces.withName(kNamespace));
    parallelFor(nodes, threads, [&](int i) {
      auto r = api.remove(nodePath.withName("bench-node-" + std::to_string(i)));
      return r || r.error().isNotFound();
    });
    std::printf("cleanup:        %.1f s (pods go with the namespace, asynchronously)\n",
                secondsSince(t0));
  }
  return 0;
}
