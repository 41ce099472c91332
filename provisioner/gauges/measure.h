// The cluster-state gauges as values: what each gauge family should show, label set by label
// set, for one read of the cluster. Pure, so the definitions are pinned by unit tests and
// the controller only publishes (Karpenter's metrics/node, metrics/pod and metrics/nodepool
// controllers in one function).
#pragma once

#include <map>
#include <string>

#include "provisioner/gauges/cluster_state.h"

namespace gantry::provisioner::gauges {

// Label name -> value, as prometheus::Labels.
using LabelSet = std::map<std::string, std::string>;
using Series = std::map<LabelSet, double>;

struct GaugeValues {
  // gantry_pods_pending{reason}: unschedulable (Gantry's to place, nothing planned for it
  // yet), nominated (planned onto existing or in-flight capacity, or nominated by the
  // scheduler for a preemption) and gated (spec.schedulingGates). All three always present.
  Series podsPending;
  // gantry_nodes{nodepool,instance_type,capacity_type,zone}: Nodes of Gantry's NodePools.
  Series nodes;
  // gantry_nodepool_usage{nodepool,resource}: what status.resources says (the NodePool's
  // claims summed, nodes included); gantry_nodepool_limit{nodepool,resource}: spec.limits.
  Series nodePoolUsage;
  Series nodePoolLimit;
  // gantry_gpus_allocatable{nodepool}: GPUs (nvidia.com/gpu, amd.com/gpu) the pool's Nodes
  // offer; gantry_gpus_requested{nodepool}: what the pods bound to them ask for. Present (0)
  // for every NodePool.
  Series gpusAllocatable;
  Series gpusRequested;
  // gantry_cluster_price_dollars_per_hour{nodepool,capacity_type}: the catalog's hourly price
  // of every launched NodeClaim's offering (its type, zone and capacity type), summed.
  Series clusterPrice;
  // gantry_nodeclaims_drifted{nodepool}: NodeClaims marked Drifted (waiting to be replaced,
  // not yet deleting). Present (0) for every NodePool.
  Series nodeClaimsDrifted;
  // gantry_unavailable_offerings.
  double unavailableOfferings = 0;
};

// REQUIRES: nothing; objects that do not belong to a Gantry NodePool are left out.
GaugeValues measure(const ClusterState& state);

}  // namespace gantry::provisioner::gauges
