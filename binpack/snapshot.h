// The solver's input and output values. Everything here is a plain value: the solver
// never reads the cluster or the cloud, so provisioning, consolidation, `plan` and
// `simulate` can all call it with a snapshot they built their own way.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "src/api/instance_type.h"
#include "src/api/node.h"
#include "src/api/nodepool.h"
#include "src/api/pod.h"

namespace gantry::binpack {

struct Snapshot {
  // Pods to place. Pods already bound (nodeName set) are ignored here; put their requests
  // into the owning Node's `requested` instead.
  std::vector<api::Pod> pods;
  // Candidate pools for new nodes; higher weight first, then name.
  std::vector<api::NodePool> nodePools;
  // Existing and in-flight nodes with their free capacity (allocatable - requested).
  std::vector<api::Node> nodes;
  // DaemonSet pod templates: each new node they would land on loses their requests.
  std::vector<api::Pod> daemonSets;
  // Capacity already launched per NodePool (sum of node capacities, plus "nodes" count),
  // counted against NodePool limits.
  std::map<std::string, api::ResourceList, std::less<>> nodePoolUsage;
  // What each new node of a NodePool costs besides its instance price, $/h: the volumes and
  // addresses its node class gives every node, as the host's cloud provider prices them.
  // A pool not listed costs nothing extra. Without it the objective sees only instance prices
  // and many tiny nodes look cheaper than a few larger ones that cost less in all.
  std::map<std::string, double, std::less<>> nodeFixedCostPerHour;
  // Region of the offerings, used for the topology.kubernetes.io/region label.
  std::string region;
};

struct Options {
  // Most instance types listed as launch fallbacks per node (CreateFleet accepts 60 overrides).
  size_t maxInstanceTypeOptions = 60;
  // Solve exactly (enumerating partitions) when at most this many pods need new nodes and
  // none of them has topology constraints. 0 disables the exact search.
  size_t exactSearchMaxPods = 8;
  // Local-search rounds after the greedy packing; 0 disables improvement.
  int improvementRounds = 3;
};

// A node the plan would launch.
struct PlannedNode {
  std::string nodePool;
  std::string instanceType;                     // the cheapest type that fits
  std::vector<std::string> instanceTypeOptions;  // every fitting type, cheapest first
  std::string capacityType;                     // "on-demand" | "spot"
  std::vector<std::string> zones;               // where that type+capacity type is offered
  double pricePerHour = 0;  // the instance's price
  // pricePerHour plus the pool's fixed cost per node (Snapshot::nodeFixedCostPerHour).
  double nodeCostPerHour = 0;
  // The chosen offering's price is an estimate (Offering::priceEstimated), not a published
  // or live figure: bundled spot prices, bundled on-demand prices outside us-east-1.
  bool priceEstimated = false;
  std::vector<std::string> pods;  // "ns/name", in placement order
  api::ResourceList requests;     // sum of the pods' requests (daemonsets excluded)
  api::ResourceList allocatable;  // of the chosen type, after daemonset overhead
  // A short account of the choice, for people ("cheapest type for 1 x nvidia.com/gpu=1").
  std::string reason;
  // Non-empty when the node belongs to an all-or-nothing group (launched together).
  std::string gang;
};

struct ExistingPlacement {
  std::string pod;   // "ns/name"
  std::string node;  // node name
  bool inFlight = false;
};

struct Unschedulable {
  std::string pod;
  std::string reason;
};

struct Plan {
  std::vector<PlannedNode> nodes;
  std::vector<ExistingPlacement> existing;
  std::vector<Unschedulable> unschedulable;
  // The sum of the nodes' nodeCostPerHour: instance prices and fixed costs.
  double totalPricePerHour = 0;
  // A proven lower bound on the cost (instance prices and fixed costs) of any plan placing
  // the same pods on new nodes, under the GPU isolation policies in force, which
  // `lowerBoundGpuIsolation` names ("strict", or per NodePool: "general=off, gpu=strict").
  double lowerBoundPerHour = 0;
  std::string lowerBoundGpuIsolation;
};

}  // namespace gantry::binpack
