// What the provisioner plans from: the cluster objects it read (from the informer cache or,
// in tests, built by hand) turned into a solver snapshot the same way `plan --kubeconfig`
// does, with in-flight NodeClaims as capacity that will exist soon and NodePool usage for limits.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "binpack/snapshot.h"
#include "src/api/condition.h"
#include "src/api/instance_type.h"
#include "src/api/node.h"
#include "src/api/nodeclaim.h"
#include "src/api/nodepool.h"
#include "src/api/pod.h"

namespace gantry::provisioner {

// A node class as the provisioner sees it, whatever the provider's kind (Karpenter reads a
// NodeClass's status conditions the same way): its name, metadata.generation and status
// conditions, of which Ready decides whether its NodePools are planned.
struct NodeClassState {
  std::string name{};
  int64_t generation = 0;
  std::vector<api::Condition> conditions{};
};

// One consistent-enough read of the cluster. Values, or the cache's own immutable objects
// (which an update replaces rather than changes), so the solver never races the cache.
struct ClusterObjects {
  std::vector<api::Pod> pending;  // provisionable pods (isProvisionable), sorted by key
  // Non-terminal pods with spec.nodeName, shared with the cache they were read from (a large
  // cluster has tens of thousands: a pass must not copy them).
  std::vector<std::shared_ptr<const api::Pod>> bound;
  // Shared with the cache like `bound`: a pass reads thousands and copies only what it plans on.
  std::vector<std::shared_ptr<const api::Node>> nodes;
  std::vector<api::NodePool> nodePools;
  std::vector<std::shared_ptr<const api::NodeClaim>> nodeClaims;
  std::vector<api::Pod> daemonSets;  // optional overhead templates
  // Optional: the node classes the cache holds (for readiness; a class missing here is left
  // to the launch to report).
  std::vector<NodeClassState> nodeClasses;
};

struct ClusterSnapshot {
  binpack::Snapshot snapshot;
  size_t claimsInFlight = 0;  // NodeClaims counted as in-flight nodes
};

// Builds the snapshot: pending pods to place; Nodes charged with their bound pods; every
// NodeClaim not being deleted and without a Node yet as an in-flight node (sized by its
// status, else the catalog, else its requests: nodeclaim_view.h), and a registered but not
// initialized claim's resources added to its Node (a GPU node's nvidia.com/gpu appears late).
// nodePoolUsage sums the capacity (catalog capacity for a known type, else allocatable) of
// Nodes and in-flight claims per pool, with a "nodes" count. `catalog` may be null. Pure.
ClusterSnapshot buildSnapshot(const ClusterObjects& objects, const api::InstanceTypes* catalog,
                              const std::string& region);

}  // namespace gantry::provisioner
