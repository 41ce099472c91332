// Cluster objects for the gauge tests: Gantry's Nodes, launched NodeClaims and pools, built
// the way the cache decodes them.
#pragma once

#include <memory>
#include <string>

#include "provisioner/gauges/cluster_state.h"
#include "src/api/well_known_labels.h"
#include "tests/support/builders.h"

namespace gantry::provisioner::gauges::testing {

using gantry::testing::resources;

inline std::shared_ptr<const api::Node> gantryNode(const std::string& name, const std::string& pool,
                                                   const std::string& type, const std::string& zone,
                                                   int gpus, const std::string& capacityType = "on-demand") {
  api::Node n;
  n.name = name;
  n.labels = {{std::string(api::label::kNodePool), pool},
              {std::string(api::label::kInstanceType), type},
              {std::string(api::label::kCapacityType), capacityType},
              {std::string(api::label::kZone), zone}};
  n.allocatable = resources({{"cpu", "4"}, {"memory", "16Gi"}});
  if (gpus > 0) n.allocatable.set("nvidia.com/gpu", api::Quantity::fromValue(gpus));
  return std::make_shared<const api::Node>(std::move(n));
}

inline std::shared_ptr<const api::NodeClaim> launchedClaim(const std::string& name, const std::string& pool,
                                                           const std::string& type, const std::string& zone,
                                                           const std::string& capacityType = "on-demand") {
  api::NodeClaim c;
  c.name = name;
  c.labels = {{std::string(api::label::kNodePool), pool},
              {std::string(api::label::kInstanceType), type},
              {std::string(api::label::kCapacityType), capacityType},
              {std::string(api::label::kZone), zone}};
  c.capacity = resources({{"cpu", "4"}, {"memory", "16Gi"}, {"nvidia.com/gpu", "1"}});
  c.setCondition(api::nodeclaim::kLaunched, api::ConditionStatus::kTrue, "Launched", "", {});
  return std::make_shared<const api::NodeClaim>(std::move(c));
}

inline std::shared_ptr<const api::NodePool> pool(const std::string& name,
                                                 api::ResourceList limits = {}) {
  api::NodePool p = gantry::testing::openPool(name);
  p.limits = std::move(limits);
  return std::make_shared<const api::NodePool>(std::move(p));
}

inline std::shared_ptr<const api::Pod> pod(api::Pod p) {
  return std::make_shared<const api::Pod>(std::move(p));
}

inline std::shared_ptr<const api::Pod> boundGpuPod(const std::string& name, const std::string& node,
                                                   const std::string& phase = "Running") {
  api::Pod p = gantry::testing::makePod(name, {{"cpu", "1"}, {"nvidia.com/gpu", "1"}});
  p.nodeName = node;
  p.phase = phase;
  p.unschedulable = false;
  return pod(std::move(p));
}

}  // namespace gantry::provisioner::gauges::testing
