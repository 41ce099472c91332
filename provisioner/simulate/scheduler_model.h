// The kube-scheduler of `gantry simulate`: binds pending pods to Nodes that can take them and
// marks the rest Unschedulable, which is what makes the provisioner see them (in a cluster the
// scheduler's PodScheduled=False is the provisioner's signal). Feasibility is the solver's own
// (binpack::solve with the Nodes as existing capacity and no NodePools to open new ones):
// resources, node selectors and affinity, pod (anti-)affinity and spread, taints and
// tolerations, host ports. So a pod the provisioner planned onto a node fits there when that
// node is ready, and the two never disagree about what fits. Scoring is the solver's: existing
// nodes in name order, first fit; deterministic, not kube-scheduler's spreading.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "provisioner/simulate/in_memory_cluster.h"
#include "src/common/status.h"

namespace gantry::provisioner::simulate {

struct Binding {
  std::string pod;  // "ns/name"
  std::string node;
};

struct SchedulingPass {
  std::vector<Binding> bound;              // in the order the solver placed them
  std::vector<std::string> unschedulable;  // pods that fit on no Node now, by key
};

// Scheduling passes over one cluster. Each pass is over every pending pod (not bound, not
// terminating, not gated), by priority (highest first) then key, onto Nodes that are Ready,
// not cordoned and not being deleted. A pass is pure with respect to the cluster (the caller
// binds); what the model keeps between passes only makes them cheaper: a pod that fit on no
// Node is looked at again only against Nodes that may have gained room since
// (InMemoryCluster::roomStamp), so a pod waiting for a node to launch costs nothing per pass.
class SchedulerModel {
 public:
  explicit SchedulerModel(std::string region) : region_(std::move(region)) {}
  // Errors: the solver's kInvalid.
  Result<SchedulingPass> schedulePending(const InMemoryCluster& cluster);

 private:
  void forgetPodsNotPending(const std::vector<std::shared_ptr<const api::Pod>>& pending);

  std::string region_;
  // Pods that no Node took on their own: key -> (uid, roomClock when looked at).
  std::unordered_map<std::string, std::pair<std::string, uint64_t>> fitNowhereAt_;
};

// One pass with nothing remembered from earlier ones.
Result<SchedulingPass> schedulePending(const InMemoryCluster& cluster, const std::string& region);

}  // namespace gantry::provisioner::simulate
