// The two seams the NodeClaim lifecycle controllers use to see and change the cluster: a
// reader over the informer cache (claims, nodes by name and providerID, pools, the pods on a
// node) and a writer of the few calls they make (node patch/delete, claim status/finalizer
// patch, claim delete, pod eviction and deletion for the drain).
// Unit tests swap both for an in-memory fake; the controller uses the cache + RestClient ones.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "src/api/node.h"
#include "src/api/nodeclaim.h"
#include "src/api/nodepool.h"
#include "src/api/pod.h"
#include "src/common/status.h"
#include "src/kube/cluster_cache.h"
#include "src/kube/rest_client.h"

namespace gantry::provisioner::nodeclaim {

// Index names on the node and NodeClaim informers: spec.providerID / status.providerID.
inline constexpr const char* kNodesByProviderId = "providerID";
inline constexpr const char* kNodeClaimsByProviderId = "providerID";

// Adds both indexes. REQUIRES: cache built with gantryResources, not started yet.
void addLifecycleIndexes(kube::ClusterCache& cache);

// Read-only, possibly slightly stale view. Thread-safe; returned objects are immutable.
class LifecycleReader {
 public:
  virtual ~LifecycleReader() = default;
  virtual std::shared_ptr<const api::NodeClaim> nodeClaim(const std::string& name) const = 0;
  virtual std::vector<std::shared_ptr<const api::NodeClaim>> nodeClaims() const = 0;
  // The claim whose status.providerID is `providerId`, or null (also for "").
  virtual std::shared_ptr<const api::NodeClaim> nodeClaimByProviderId(
      const std::string& providerId) const = 0;
  virtual std::shared_ptr<const api::Node> node(const std::string& name) const = 0;
  // The node whose spec.providerID is `providerId`, or null (also for "").
  virtual std::shared_ptr<const api::Node> nodeByProviderId(const std::string& providerId) const = 0;
  // Every Node in the cache.
  virtual std::vector<std::shared_ptr<const api::Node>> nodes() const = 0;
  virtual std::shared_ptr<const api::NodePool> nodePool(const std::string& name) const = 0;
  // Every NodePool in the cache, in no particular order.
  virtual std::vector<std::shared_ptr<const api::NodePool>> nodePools() const = 0;
  // The pods bound to the Node `node` (spec.nodeName), terminal ones (Succeeded, Failed)
  // left out; empty for an unknown node.
  virtual std::vector<std::shared_ptr<const api::Pod>> podsOn(const std::string& node) const = 0;
  // Whether one of podsOn(node) passes `test`, stopping at the first. The emptiness check
  // asks it of every candidate on every disruption pass, where podsOn would copy the list;
  // readers over a store override it to copy nothing. `test` must not call the reader.
  virtual bool anyPodOn(const std::string& node,
                        const std::function<bool(const api::Pod&)>& test) const;
  // Pending pods the scheduler nominated to `node` (status.nominatedNodeName: preemption made
  // room there for them).
  virtual std::vector<std::shared_ptr<const api::Pod>> podsNominatedTo(
      const std::string& node) const = 0;
};

// Writes. Every call is one API request; errors are the RestClient's kinds (kNotFound,
// kConflict for a stale resourceVersion precondition, kUnavailable, ...). Thread-safe.
class LifecycleWriter {
 public:
  virtual ~LifecycleWriter() = default;
  // The whole Node object as the server has it now (the cache keeps only a slim model, and
  // adoption must merge ownerReferences, finalizers and taints into the current lists).
  virtual Result<nlohmann::json> getNode(const std::string& name) = 0;
  // RFC 7386 merge patch of a Node; put metadata.resourceVersion in it for a precondition.
  virtual Status patchNode(const std::string& name, const nlohmann::json& mergePatch) = 0;
  virtual Status deleteNode(const std::string& name) = 0;
  // Merge patch of the claim's status subresource (api::nodeClaimStatusPatch).
  virtual Status patchNodeClaimStatus(const std::string& name, const nlohmann::json& mergePatch) = 0;
  // The claim's whole status as `claim` holds it, on the condition of its resourceVersion when
  // set: patchNodeClaimStatus with api::nodeClaimStatusPatch(claim), unless a writer can store
  // it without the JSON (the simulator's cluster, where this is the hottest write).
  virtual Status writeNodeClaimStatus(const api::NodeClaim& claim);
  // Merge patch of the claim itself (metadata.finalizers with a resourceVersion precondition).
  virtual Status patchNodeClaim(const std::string& name, const nlohmann::json& mergePatch) = 0;
  // Adds `labels` to the claim's metadata.labels, on the condition that the claim is still at
  // `resourceVersion` (kConflict otherwise). Returns the claim's new resourceVersion, for a
  // status patch that follows.
  virtual Result<std::string> addNodeClaimLabels(const std::string& name, const api::Labels& labels,
                                                 const std::string& resourceVersion) = 0;
  // kNotFound when already gone.
  virtual Status deleteNodeClaim(const std::string& name) = 0;
  // Asks the apiserver to evict a pod (POST .../pods/{name}/eviction, a policy/v1 Eviction),
  // which deletes it gracefully if its PodDisruptionBudgets allow. Errors: kThrottled when
  // refused for now (HTTP 429: a PodDisruptionBudget forbids it; try again later),
  // kNotFound when the pod is already gone; otherwise the RestClient's kinds (an eviction
  // of a pod covered by several PDBs is refused with kInternal, HTTP 500).
  virtual Status evictPod(const std::string& ns, const std::string& name) = 0;
  // Deletes a pod directly, PDBs notwithstanding (the termination grace period is over).
  // kNotFound when already gone.
  virtual Status deletePod(const std::string& ns, const std::string& name) = 0;
};

using LifecycleReaderPtr = std::unique_ptr<LifecycleReader>;
using LifecycleWriterPtr = std::unique_ptr<LifecycleWriter>;

// Over a ClusterCache built with gantryResources = true that got addLifecycleIndexes(). REQUIRES: the cache outlives the reader.
class CacheLifecycleReader final : public LifecycleReader {
 public:
  explicit CacheLifecycleReader(kube::ClusterCache& cache) : cache_(cache) {}
  std::shared_ptr<const api::NodeClaim> nodeClaim(const std::string& name) const override;
  std::vector<std::shared_ptr<const api::NodeClaim>> nodeClaims() const override;
  std::shared_ptr<const api::NodeClaim> nodeClaimByProviderId(
      const std::string& providerId) const override;
  std::shared_ptr<const api::Node> node(const std::string& name) const override;
  std::shared_ptr<const api::Node> nodeByProviderId(const std::string& providerId) const override;
  std::vector<std::shared_ptr<const api::Node>> nodes() const override;
  std::shared_ptr<const api::NodePool> nodePool(const std::string& name) const override;
  std::vector<std::shared_ptr<const api::NodePool>> nodePools() const override;
  std::vector<std::shared_ptr<const api::Pod>> podsOn(const std::string& node) const override;
  bool anyPodOn(const std::string& node,
                const std::function<bool(const api::Pod&)>& test) const override;
  std::vector<std::shared_ptr<const api::Pod>> podsNominatedTo(
      const std::string& node) const override;

 private:
  kube::ClusterCache& cache_;
};

// Over a RestClient. REQUIRES: the client outlives the writer.
class KubeLifecycleWriter final : public LifecycleWriter {
 public:
  explicit KubeLifecycleWriter(kube::RestClient& client) : client_(client) {}
  Result<nlohmann::json> getNode(const std::string& name) override;
  Status patchNode(const std::string& name, const nlohmann::json& mergePatch) override;
  Status deleteNode(const std::string& name) override;
  Status patchNodeClaimStatus(const std::string& name, const nlohmann::json& mergePatch) override;
  Status patchNodeClaim(const std::string& name, const nlohmann::json& mergePatch) override;
  Result<std::string> addNodeClaimLabels(const std::string& name, const api::Labels& labels,
                                         const std::string& resourceVersion) override;
  Status deleteNodeClaim(const std::string& name) override;
  Status evictPod(const std::string& ns, const std::string& name) override;
  Status deletePod(const std::string& ns, const std::string& name) override;

 private:
  kube::RestClient& client_;
};

}  // namespace gantry::provisioner::nodeclaim
