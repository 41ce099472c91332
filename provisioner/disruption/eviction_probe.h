// Whether a pod could be evicted now, asked of the apiserver without evicting it (an Eviction
// with dryRun): the apiserver applies the pod's PodDisruptionBudgets exactly as a real
// eviction would, and the cache holds no PDBs. Consolidation asks before it acts, so a move
// whose pods a PDB protects is not started at all (the drain would only wait on it).
#pragma once

#include <memory>
#include <string>

#include "src/common/status.h"
#include "src/kube/rest_client.h"

namespace gantry::provisioner::disruption {

class EvictionProbe {
 public:
  virtual ~EvictionProbe() = default;
  // OK when an eviction would be allowed now. kThrottled (HTTP 429) when a PDB allows no
  // disruption; kNotFound when the pod is gone; otherwise the RestClient's kinds. Thread-safe.
  virtual Status canEvict(const std::string& ns, const std::string& name) = 0;
};

using EvictionProbePtr = std::unique_ptr<EvictionProbe>;

// POSTs a policy/v1 Eviction with deleteOptions.dryRun = ["All"]. REQUIRES: client outlives it.
class KubeEvictionProbe final : public EvictionProbe {
 public:
  explicit KubeEvictionProbe(kube::RestClient& client) : client_(client) {}
  Status canEvict(const std::string& ns, const std::string& name) override;

 private:
  kube::RestClient& client_;
};

}  // namespace gantry::provisioner::disruption
