// The cluster of `gantry simulate`: an apiserver in memory behind the same write seams the
// controllers use in a real cluster (the provisioner's ClusterWriter, the lifecycle's
// LifecycleWriter), over an InMemoryCluster that answers their reads as the informer cache
// does. Writes take effect at once, as if the informer delivered them before the next step,
// and each change is told to a ClusterObserver: the engine's stand-in for the informer
// handlers that queue the controllers' keys.
//
// Nodes and NodeClaims are kept as the server's JSON objects (resourceVersions, merge patches
// with preconditions, deletion held by finalizers) and decoded into the reader after each
// write; pods are the host's own (the engine plays the scheduler and the kubelets).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "provisioner/nodeclaim/cluster_access.h"
#include "provisioner/provisioning/cluster_writer.h"
#include "provisioner/simulate/in_memory_cluster.h"
#include "provisioner/simulate/name_ordered_reader.h"
#include "src/api/node.h"
#include "src/api/nodeclaim.h"
#include "src/api/nodepool.h"
#include "src/api/pod.h"
#include "src/common/clock.h"

namespace gantry::provisioner::simulate {

// What changed, for the host to queue controller keys as informer handlers would. `before` is
// null for a create, `after` null for a delete.
class ClusterObserver {
 public:
  virtual ~ClusterObserver() = default;
  virtual void claimChanged(const api::NodeClaim* before, const api::NodeClaim* after) = 0;
  virtual void nodeChanged(const api::Node* before, const api::Node* after) = 0;
  // A pod was evicted or deleted through the LifecycleWriter (a drain); it is gone.
  virtual void podRemoved(const api::Pod& pod) = 0;
};

// Not thread-safe: the engine steps every controller on one thread.
class SimCluster final : public nodeclaim::LifecycleWriter {
 public:
  // REQUIRES: clock (and observer, when set) outlive the cluster.
  explicit SimCluster(Clock& clock, ClusterObserver* observer = nullptr);
  ~SimCluster() override;

  const InMemoryCluster& reader() const { return reader_; }
  // What the controllers read through: the same objects, listed in name order.
  nodeclaim::LifecycleReader& lifecycleReader() { return orderedReader_; }
  // The provisioner's writer (NodeClaim names are made deterministic here: see the .cpp).
  ClusterWriter& provisionerWriter();

  // --- the host's own writes (kubelet, scheduler, workload controllers)
  void putNodePool(const api::NodePool& pool);
  // A kubelet registering its Node (the whole object). kAlreadyExists when the name is taken.
  Status registerNode(nlohmann::json node);
  // A kubelet or device plugin changing its Node. kNotFound when gone.
  Status editNode(const std::string& name, const std::function<void(nlohmann::json&)>& edit);
  void putPod(api::Pod pod);
  void removePod(const std::string& key);

  // --- ClusterWriter's calls (the provisioner's writer forwards here)
  Result<api::NodeClaim> createNodeClaim(api::NodeClaim claim);
  Result<api::NodeClaim> updateNodeClaim(const api::NodeClaim& claim);

  // --- LifecycleWriter
  Result<nlohmann::json> getNode(const std::string& name) override;
  Status patchNode(const std::string& name, const nlohmann::json& mergePatch) override;
  Status deleteNode(const std::string& name) override;
  Status patchNodeClaimStatus(const std::string& name, const nlohmann::json& mergePatch) override;
  Status writeNodeClaimStatus(const api::NodeClaim& claim) override;
  Status patchNodeClaim(const std::string& name, const nlohmann::json& mergePatch) override;
  Result<std::string> addNodeClaimLabels(const std::string& name, const api::Labels& labels,
                                         const std::string& resourceVersion) override;
  Status deleteNodeClaim(const std::string& name) override;
  // Evictions always succeed (milestone 1 has no PodDisruptionBudgets): the pod is gone.
  Status evictPod(const std::string& ns, const std::string& name) override;
  Status deletePod(const std::string& ns, const std::string& name) override;

  uint64_t writes() const { return writes_; }

 private:
  class ProvisionerWriter;
  using Objects = std::map<std::string, nlohmann::json>;
  enum class Kind { kNode, kClaim };

  // Stamps a new resourceVersion and re-decodes the object into the reader (or drops it when
  // its deletion is complete), then tells the observer. A claim keeps the status its cached
  // copy has: status writes go to the cache alone (publishStatus), not through the JSON.
  Status publish(Kind kind, const std::string& name);
  Status applyPatch(Kind kind, const std::string& name, nlohmann::json patch);
  // kConflict unless `resourceVersion` is the stored claim's.
  Status checkVersion(const std::string& claim, const nlohmann::json& resourceVersion) const;
  // `next` (a stored claim with a new status) as the claim's new version.
  Status publishStatus(api::NodeClaim next);
  Status remove(Kind kind, const std::string& name);
  Objects& objects(Kind kind) { return kind == Kind::kNode ? nodes_ : claims_; }

  Clock& clock_;
  ClusterObserver* observer_;
  InMemoryCluster reader_;
  NameOrderedReader orderedReader_{reader_};
  std::unique_ptr<ProvisionerWriter> provisionerWriter_;
  Objects nodes_, claims_;
  uint64_t version_ = 0;
  uint64_t claimsCreated_ = 0;
  uint64_t writes_ = 0;
};

}  // namespace gantry::provisioner::simulate
