// What the cluster-state gauges are measured from: one read of the cluster cache plus the
// controller's own state (nominations, the catalog's prices, the unavailable offerings), as
// plain values, so that the measurement is a pure function its tests feed directly.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "src/api/instance_type.h"
#include "src/api/node.h"
#include "src/api/nodeclaim.h"
#include "src/api/nodepool.h"
#include "src/api/pod.h"

namespace gantry::provisioner::gauges {

struct ClusterState {
  std::vector<std::shared_ptr<const api::Pod>> pods;
  std::vector<std::shared_ptr<const api::Node>> nodes;
  std::vector<std::shared_ptr<const api::NodeClaim>> nodeClaims;
  std::vector<std::shared_ptr<const api::NodePool>> nodePools;
  // Pending pods ("ns/name") the provisioner planned onto existing or in-flight capacity.
  std::set<std::string> nominatedPods;
  // The catalog the prices come from; null when it cannot be read (no price is shown then).
  api::InstanceTypesPtr catalog;
  // Offerings currently marked unavailable after capacity errors.
  size_t unavailableOfferings = 0;
};

// Reads the cluster once (the cache in the controller, a value in tests).
using ClusterStateSource = std::function<ClusterState()>;

}  // namespace gantry::provisioner::gauges
