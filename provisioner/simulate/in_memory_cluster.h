// An in-memory cluster that reads like the controller's informer cache: the LifecycleReader
// the NodeClaim lifecycle, disruption and garbage collection read through, over the objects a
// benchmark or the `gantry simulate` engine puts in it. Moved here from bench/ so that the
// simulator and the disruption benchmark read one and the same model.
//
// InMemoryCluster keeps its objects in kube::ObjectStore, the informer's own store (hash map
// by key, mutex per call, secondary indexes, shared immutable objects), with the indexes the
// controller's cache has, and answers each LifecycleReader call the way CacheLifecycleReader
// (provisioner/nodeclaim/cluster_access.cpp) and ClusterCache::podsOn
// (src/kube/cluster_cache.cpp) do, so a caller over it pays what the controller pays:
//   pods        by key "ns/name"; indexes kube::kPodsByNode, kPodsByPhase, kPodsByCondition,
//               kPodsByNominatedNode (as kube::addPodIndexes files them)
//   nodes       by name; index nodeclaim::kNodesByProviderId
//   nodeclaims  by name; index nodeclaim::kNodeClaimsByProviderId
//   nodepools by name
// Keep it in step with those files when they change. list() and byIndex() come back in the
// store's hash order: callers that need a deterministic order sort.
#pragma once

#include <algorithm>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "provisioner/nodeclaim/cluster_access.h"
#include "src/kube/cluster_cache.h"
#include "src/kube/object_store.h"

namespace gantry::provisioner::simulate {

class InMemoryCluster final : public nodeclaim::LifecycleReader {
 public:
  InMemoryCluster() {
    kube::addPodIndexes(pods_);
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
    if (auto old = pods_.get(key)) leaveLoad(*old);
    auto stored = std::make_shared<const api::Pod>(std::move(pod));
    joinLoad(stored);
    pods_.put(key, std::move(stored), "1");
  }
  void put(api::Node node) {
    std::string key = node.name;
    roomChanged(key);
    nodesByName_.clear();
    if (auto load = loads_.find(key); load != loads_.end()) load->second.room.reset();
    nodes_.put(key, std::make_shared<const api::Node>(std::move(node)), "1");
  }
  void put(api::NodeClaim claim) {
    std::string key = claim.name;
    auto stored = std::make_shared<const api::NodeClaim>(std::move(claim));
    auto at = claimAt(key);
    if (at != claimsByName_.end() && (*at)->name == key) {
      *at = stored;
    } else {
      claimsByName_.insert(at, stored);
    }
    claims_.put(key, std::move(stored), "1");
  }
  void put(api::NodePool pool) {
    std::string key = pool.name;
    pools_.put(key, std::make_shared<const api::NodePool>(std::move(pool)), "1");
  }
  // --- the informers' delete
  void erasePod(const std::string& key) {
    if (auto old = pods_.get(key)) leaveLoad(*old);
    pods_.erase(key);
  }
  void eraseNode(const std::string& name) {
    nodesByName_.clear();
    loadsByName_.clear();
    roomStamps_.erase(name);
    loads_.erase(name);
    nodes_.erase(name);
  }
  void eraseNodeClaim(const std::string& name) {
    auto at = claimAt(name);
    if (at != claimsByName_.end() && (*at)->name == name) claimsByName_.erase(at);
    claims_.erase(name);
  }
  std::shared_ptr<const api::Pod> pod(const std::string& key) const { return pods_.get(key); }
  std::vector<std::shared_ptr<const api::Pod>> pods() const { return pods_.list(); }
  // The pods not Succeeded or Failed, from the phase index: a day's finished pods stay in the
  // store (their Jobs keep them), and a provisioning pass would otherwise walk all of them.
  std::vector<std::shared_ptr<const api::Pod>> podsNotFinished() const {
    auto out = pods_.byIndex(kube::kPodsByPhase, "Pending");
    for (const char* phase : {"Running", "Unknown"}) {
      auto more = pods_.byIndex(kube::kPodsByPhase, phase);
      out.insert(out.end(), std::make_move_iterator(more.begin()),
                 std::make_move_iterator(more.end()));
    }
    return out;
  }
  std::vector<std::shared_ptr<const api::NodePool>> nodePools() const override {
    return pools_.list();
  }
  // Pods the scheduler has not bound, Pending (the informer's kPodsByPhase bucket).
  std::vector<std::shared_ptr<const api::Pod>> pendingPods() const {
    return pods_.byIndex(kube::kPodsByPhase, "Pending");
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
  // nodes() by name, kept until a Node is put or erased (the scheduler model walks them in
  // this order on every pass). The reference lasts until then.
  const std::vector<std::shared_ptr<const api::Node>>& nodesByName() const {
    if (nodesByName_.empty() && nodes_.size() > 0) {
      nodesByName_ = nodes_.list();
      std::sort(nodesByName_.begin(), nodesByName_.end(),
                [](const auto& a, const auto& b) { return a->name < b->name; });
      loadsByName_.clear();
    }
    return nodesByName_;
  }
  // nodeClaims() by name, kept in step with every put and erase (a claim's status changes
  // often, and the disruption pass and the provisioner read every claim in this order). The
  // reference lasts until the next put or erase of a NodeClaim.
  const std::vector<std::shared_ptr<const api::NodeClaim>>& nodeClaimsByName() const {
    return claimsByName_;
  }
  // When a node last may have gained room for a pod: a pod bound to it changed or left, or
  // the Node itself changed. Stamps come from one counter (roomClock), so a pod that fit on
  // no node when the clock read T can only fit on a node stamped after T.
  uint64_t roomStamp(const std::string& node) const {
    auto it = roomStamps_.find(node);
    return it == roomStamps_.end() ? std::numeric_limits<uint64_t>::max() : it->second;
  }
  uint64_t roomClock() const { return roomClock_; }
  std::shared_ptr<const api::NodePool> nodePool(const std::string& name) const override {
    if (name.empty()) return nullptr;
    return pools_.get(name);
  }
  // ClusterCache::podsOn: the node's bucket (which files no terminal pod).
  std::vector<std::shared_ptr<const api::Pod>> podsOn(const std::string& node) const override {
    if (node.empty()) return {};
    return pods_.byIndex(kube::kPodsByNode, node);
  }
  bool anyPodOn(const std::string& node,
                const std::function<bool(const api::Pod&)>& test) const override {
    return !node.empty() && pods_.anyInIndex(kube::kPodsByNode, node, test);
  }
  // podsOn(node) in key order and the sum of their requests (in that order): what the
  // scheduler model charges a Node with. Kept per node until a pod bound there changes, as
  // the scheduler asks for every Ready node on every pass. Not thread-safe (the engine's
  // one thread); the reference lasts until the next put or erase.
  struct NodeLoad {
    std::vector<std::shared_ptr<const api::Pod>> pods;
    api::ResourceList requested;
    // The node's free room as the scheduler model compares requests with it: by resource
    // name, allocatable less requested in the solver's units (cpu in millicores, the rest in
    // whole units), and how many more pods it takes. The model fills it on first use; it is
    // dropped when the Node or its pods change, and most stay as they are between passes.
    struct Room {
      std::vector<std::pair<std::string, int64_t>> free;  // by name
      int64_t podsFree = 0;
    };
    mutable std::optional<Room> room;
  };
  const NodeLoad& loadOn(const std::string& node) const {
    auto [it, added] = loads_.try_emplace(node);
    if (added) {
      it->second.pods = podsOn(node);
      std::sort(it->second.pods.begin(), it->second.pods.end(),
                [](const auto& a, const auto& b) { return keyLess(*a, *b); });
      for (const auto& pod : it->second.pods) it->second.requested += pod->requests;
    }
    return it->second;
  }
  // loadOn() of each of nodesByName(), in that order, kept as long as that list: a pass over
  // every node then looks up no load by name. The pointers last until a Node is put or erased.
  const std::vector<const NodeLoad*>& loadsByName() const {
    const auto& nodes = nodesByName();
    if (loadsByName_.size() != nodes.size()) {
      loadsByName_.clear();
      for (const auto& node : nodes) loadsByName_.push_back(&loadOn(node->name));
    }
    return loadsByName_;
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
  mutable std::unordered_map<std::string, NodeLoad> loads_;  // by node name
  mutable std::vector<std::shared_ptr<const api::Node>> nodesByName_;  // empty: rebuild
  mutable std::vector<const NodeLoad*> loadsByName_;  // stale unless as long as nodesByName_
  std::vector<std::shared_ptr<const api::NodeClaim>> claimsByName_;
  std::vector<std::shared_ptr<const api::NodeClaim>>::iterator claimAt(const std::string& name) {
    return std::lower_bound(claimsByName_.begin(), claimsByName_.end(), name,
                            [](const auto& claim, const std::string& n) { return claim->name < n; });
  }
  std::unordered_map<std::string, uint64_t> roomStamps_;  // by node name
  uint64_t roomClock_ = 0;
  void roomChanged(const std::string& node) { roomStamps_[node] = ++roomClock_; }
  // A pod's load on its node is kept up to date in place once computed: a pod event costs a
  // sorted insert or erase, not a new sort of the node's pods.
  static bool loads(const api::Pod& pod) {
    return !pod.nodeName.empty() && !pod.finished();
  }
  static bool byKey(const std::shared_ptr<const api::Pod>& a, const std::string& key) {
    return keyLess(*a, key);
  }
  void leaveLoad(const api::Pod& pod) {
    if (pod.nodeName.empty()) return;
    roomChanged(pod.nodeName);
    auto it = loads_.find(pod.nodeName);
    if (it == loads_.end() || !loads(pod)) return;
    auto& pods = it->second.pods;
    const std::string key = pod.key();
    auto at = std::lower_bound(pods.begin(), pods.end(), key, byKey);
    if (at == pods.end() || (*at)->key() != key) return;
    pods.erase(at);
    it->second.requested -= pod.requests;
    it->second.room.reset();
  }
  void joinLoad(const std::shared_ptr<const api::Pod>& pod) {
    if (pod->nodeName.empty()) return;
    roomChanged(pod->nodeName);
    auto it = loads_.find(pod->nodeName);
    if (it == loads_.end() || !loads(*pod)) return;
    auto& pods = it->second.pods;
    pods.insert(std::lower_bound(pods.begin(), pods.end(), pod->key(), byKey), pod);
    it->second.requested += pod->requests;
    it->second.room.reset();
  }
};

}  // namespace gantry::provisioner::simulate
