// The usage controller's two seams: a reader of NodePools and of each pool's NodeClaims (the
// informer cache in the controller, a map in unit tests) and a writer of status.resources
// (the NodePool status subresource in the controller, a recording fake in unit tests).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "src/api/nodeclaim.h"
#include "src/api/nodepool.h"
#include "src/common/status.h"
#include "src/kube/cluster_cache.h"
#include "src/kube/rest_client.h"

namespace gantry::provisioner::nodepool {

// Index name on the NodeClaim informer: the gantry.dev/nodepool label.
inline constexpr const char* kNodeClaimsByNodePool = "nodepool";

// Adds it. REQUIRES: cache built with gantryResources, not started yet.
void addUsageIndexes(kube::ClusterCache& cache);

// Read-only, possibly slightly stale view. Thread-safe; returned objects are immutable.
class UsageReader {
 public:
  virtual ~UsageReader() = default;
  virtual std::vector<std::shared_ptr<const api::NodePool>> nodePools() const = 0;
  // null when there is no such pool (also for "").
  virtual std::shared_ptr<const api::NodePool> nodePool(const std::string& name) const = 0;
  // The claims labelled gantry.dev/nodepool=`pool`, deleting ones included.
  virtual std::vector<std::shared_ptr<const api::NodeClaim>> nodeClaimsOf(
      const std::string& pool) const = 0;
};

class NodePoolStatusWriter {
 public:
  virtual ~NodePoolStatusWriter() = default;
  // Makes the pool's status.resources exactly `resources` (names it no longer lists are
  // removed), leaving the rest of the status alone. Idempotent: no write when the server
  // already holds exactly these. Errors: kNotFound (pool gone), kConflict (the pool changed
  // between our read and write; retry), the apiserver's others. Thread-safe.
  virtual Status setNodePoolResources(const std::string& pool,
                                      const api::ResourceList& resources) = 0;
};

using UsageReaderPtr = std::unique_ptr<UsageReader>;
using NodePoolStatusWriterPtr = std::unique_ptr<NodePoolStatusWriter>;

// Over a ClusterCache built with gantryResources that got addUsageIndexes().
// REQUIRES: the cache outlives the reader.
class CacheUsageReader final : public UsageReader {
 public:
  explicit CacheUsageReader(kube::ClusterCache& cache) : cache_(cache) {}
  std::vector<std::shared_ptr<const api::NodePool>> nodePools() const override;
  std::shared_ptr<const api::NodePool> nodePool(const std::string& name) const override;
  std::vector<std::shared_ptr<const api::NodeClaim>> nodeClaimsOf(
      const std::string& pool) const override;

 private:
  kube::ClusterCache& cache_;
};

// GET the pool, then a merge patch of its status subresource with the resourceVersion read
// (null for names to drop). REQUIRES: the client outlives the writer.
class KubeNodePoolStatusWriter final : public NodePoolStatusWriter {
 public:
  explicit KubeNodePoolStatusWriter(kube::RestClient& client) : client_(client) {}
  Status setNodePoolResources(const std::string& pool,
                              const api::ResourceList& resources) override;

 private:
  kube::RestClient& client_;
};

}  // namespace gantry::provisioner::nodepool
