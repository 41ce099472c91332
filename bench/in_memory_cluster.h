// The lifecycle seams for benchmarks: an in-memory cluster that reads like the controller's
// informer cache, a writer that only records calls, and an EventRecorder that drops events.
//
// InMemoryCluster keeps its objects in kube::ObjectStore, the informer's own store (hash map
// by key, mutex per call, secondary indexes, shared immutable objects), with the indexes the
// controller's cache has, and answers each LifecycleReader call the way CacheLifecycleReader
// (provisioner/nodeclaim/cluster_access.cpp) and ClusterCache::podsOn
// (src/kube/cluster_cache.cpp) do, so a benchmark over it pays what the controller pays:
//   pods        by key "ns/name"; indexes kube::kPodsByNode, kPodsByPhase, kPodsByCondition,
//               kPodsByNominatedNode (as kube::addPodIndexes files them)
//   nodes       by name; index nodeclaim::kNodesByProviderId
//   nodeclaims  by name; index nodeclaim::kNodeClaimsByProviderId
//   nodepools, ec2nodeclasses by name
// Keep it in step with those files when they change.
#pragma once

#include <algorithm>
#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "provisioner/nodeclaim/cluster_access.h"
#include "provisioner/nodeclaim/drain.h"
#include "src/api/taints.h"
#include "src/kube/cluster_cache.h"
#include "src/kube/event_recorder.h"
#include "src/kube/object_store.h"

namespace gantry::bench {

namespace nodeclaim = provisioner::nodeclaim;

class InMemoryCluster final : public nodeclaim::LifecycleReader {
 public:
  InMemoryCluster() {
    // kube::addPodIndexes (it takes an informer; these are its index functions).
    pods_.addIndex(kube::kPodsByNode, [](const api::Pod& p) {
      return p.nodeName.empty() ? std::vector<std::string>{} : std::vector<std::string>{p.nodeName};
    });
    pods_.addIndex(kube::kPodsByPhase, [](const api::Pod& p) {
      return std::vector<std::string>{p.phase.empty() ? std::string("Pending") : p.phase};
    });
    pods_.addIndex(kube::kPodsByCondition, [](const api::Pod& p) {
      return p.unschedulable ? std::vector<std::string>{"Unschedulable"}
                             : std::vector<std::string>{};
    });
    pods_.addIndex(kube::kPodsByNominatedNode, [](const api::Pod& p) {
      return p.nominatedNodeName.empty() || !p.nodeName.empty()
                 ? std::vector<std::string>{}
                 : std::vector<std::string>{p.nominatedNodeName};
    });
    // nodeclaim::addLifecycleIndexes.
    nodes_.addIndex(nodeclaim::kNodesByProviderId, [](const api::Node& n) {
      return n.providerId.empty() ? std::vector<std::string>{}
                                  : std::vector<std::string>{n.providerId};
    });
    claims_.addIndex(nodeclaim::kNodeClaimsByProviderId, [](const api::NodeClaim& c) {
      return c.providerId.empty() ? std::vector<std::string>{}
                                  : std::vector<std::string>{c.providerId};
    });
  }

  // --- set-up (the informers' put)
  void put(api::Pod pod) {
    std::string key = pod.key();
    pods_.put(key, std::make_shared<const api::Pod>(std::move(pod)), "1");
  }
  void put(api::Node node) {
    std::string key = node.name;
    nodes_.put(key, std::make_shared<const api::Node>(std::move(node)), "1");
  }
  void put(api::NodeClaim claim) {
    std::string key = claim.name;
    claims_.put(key, std::make_shared<const api::NodeClaim>(std::move(claim)), "1");
  }
  void put(api::NodePool pool) {
    std::string key = pool.name;
    pools_.put(key, std::make_shared<const api::NodePool>(std::move(pool)), "1");
  }
  size_t podCount() const { return pods_.size(); }
  size_t nodeCount() const { return nodes_.size(); }
  size_t nodeClaimCount() const { return claims_.size(); }

  // --- LifecycleReader, as CacheLifecycleReader answers it
  std::shared_ptr<const api::NodeClaim> nodeClaim(const std::string& name) const override {
    return claims_.get(name);
  }
  std::vector<std::shared_ptr<const api::NodeClaim>> nodeClaims() const override {
    return claims_.list();
  }
  std::shared_ptr<const api::NodeClaim> nodeClaimByProviderId(
      const std::string& providerId) const override {
    if (providerId.empty()) return nullptr;
    auto found = claims_.byIndex(nodeclaim::kNodeClaimsByProviderId, providerId);
    return found.empty() ? nullptr : found.front();
  }
  std::shared_ptr<const api::Node> node(const std::string& name) const override {
    return nodes_.get(name);
  }
  std::shared_ptr<const api::Node> nodeByProviderId(const std::string& providerId) const override {
    if (providerId.empty()) return nullptr;
    auto found = nodes_.byIndex(nodeclaim::kNodesByProviderId, providerId);
    return found.empty() ? nullptr : found.front();
  }
  std::vector<std::shared_ptr<const api::Node>> nodes() const override { return nodes_.list(); }
  std::shared_ptr<const api::NodePool> nodePool(const std::string& name) const override {
    if (name.empty()) return nullptr;
    return pools_.get(name);
  }
  // ClusterCache::podsOn: the node's bucket, terminal pods dropped.
  std::vector<std::shared_ptr<const api::Pod>> podsOn(const std::string& node) const override {
    if (node.empty()) return {};
    auto pods = pods_.byIndex(kube::kPodsByNode, node);
    std::erase_if(pods, [](const kube::ObjectPtr<api::Pod>& p) {
      return p->phase == "Succeeded" || p->phase == "Failed";
    });
    return pods;
  }
  std::vector<std::shared_ptr<const api::Pod>> podsNominatedTo(
      const std::string& node) const override {
    if (node.empty()) return {};
    auto pods = pods_.byIndex(kube::kPodsByNominatedNode, node);
    std::erase_if(pods, [](const kube::ObjectPtr<api::Pod>& p) {
      return !p->phase.empty() && p->phase != "Pending";
    });
    return pods;
  }

 private:
  kube::ObjectStore<api::Pod> pods_;
  kube::ObjectStore<api::Node> nodes_;
  kube::ObjectStore<api::NodeClaim> claims_;
  kube::ObjectStore<api::NodePool> pools_;
};

// Records every write by method name and answers as the apiserver would, without changing the
// reader: the cluster a benchmark passes over stays the same from one iteration to the next.
// getNode builds the raw Node from the reader's slim one (name, resourceVersion, providerID,
// taints, unschedulable: what the disruption fence reads).
class RecordingWriter final : public nodeclaim::LifecycleWriter {
 public:
  explicit RecordingWriter(const nodeclaim::LifecycleReader& reader) : reader_(reader) {}

  // Calls since the last clear(), in order ("patchNode node-12").
  const std::vector<std::string>& calls() const { return calls_; }
  size_t total() const { return total_; }  // since construction
  void clear() { calls_.clear(); }

  Result<nlohmann::json> getNode(const std::string& name) override {
    record("getNode", name);
    auto node = reader_.node(name);
    if (node == nullptr) return fail(Status::notFound("node " + name));
    nlohmann::json taints = nlohmann::json::array();
    for (const auto& t : node->taints) {
      nlohmann::json taint{{"key", t.key}, {"effect", std::string(api::taintEffectName(t.effect))}};
      if (!t.value.empty()) taint["value"] = t.value;
      taints.push_back(std::move(taint));
    }
    return nlohmann::json{
        {"apiVersion", "v1"},
        {"kind", "Node"},
        {"metadata", {{"name", node->name}, {"resourceVersion", "1"}}},
        {"spec",
         {{"providerID", node->providerId}, {"taints", taints}, {"unschedulable", node->unschedulable}}}};
  }
  Status patchNode(const std::string& name, const nlohmann::json&) override {
    return record("patchNode", name);
  }
  Status deleteNode(const std::string& name) override { return record("deleteNode", name); }
  Status patchNodeClaimStatus(const std::string& name, const nlohmann::json&) override {
    return record("patchNodeClaimStatus", name);
  }
  Status patchNodeClaim(const std::string& name, const nlohmann::json&) override {
    return record("patchNodeClaim", name);
  }
  Result<std::string> addNodeClaimLabels(const std::string& name, const api::Labels&,
                                         const std::string&) override {
    record("addNodeClaimLabels", name);
    return std::string("2");
  }
  Status deleteNodeClaim(const std::string& name) override {
    return record("deleteNodeClaim", name);
  }
  Status evictPod(const std::string& ns, const std::string& name) override {
    return record("evictPod", ns + "/" + name);
  }
  Status deletePod(const std::string& ns, const std::string& name) override {
    return record("deletePod", ns + "/" + name);
  }

 private:
  Status record(const char* method, const std::string& name) {
    calls_.push_back(std::string(method) + " " + name);
    ++total_;
    return Status::ok();
  }

  const nodeclaim::LifecycleReader& reader_;
  std::vector<std::string> calls_;
  size_t total_ = 0;
};

// Counts events and drops them (the real recorder queues them for a background thread).
class NoopEventRecorder final : public kube::EventRecorder {
 public:
  void record(const kube::ObjectReference&, kube::EventType, const std::string&,
              const std::string&) override {
    count_.fetch_add(1, std::memory_order_relaxed);
  }
  size_t count() const { return count_.load(std::memory_order_relaxed); }

 private:
  std::atomic<size_t> count_{0};
};

}  // namespace gantry::bench
