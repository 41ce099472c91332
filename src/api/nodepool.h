// gantry.dev/v1 NodePool, in Karpenter v1's field layout: the template new nodes are made
// from (labels, taints, startup taints, requirements), limits on total capacity, and a
// weight that orders pools. Only the fields the solver and provisioner use are modelled.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "src/api/labels.h"
#include "src/api/resources.h"
#include "src/api/taints.h"

namespace gantry::api {

struct NodePool {
  std::string name;
  int64_t generation = 0;  // metadata.generation: changes with the spec, not the status
  int32_t weight = 0;  // higher is tried first
  Labels labels;        // spec.template.metadata.labels
  std::vector<Taint> taints;
  std::vector<Taint> startupTaints;  // removed by a daemon after start; pods need not tolerate
  // spec.template.spec.requirements, with Karpenter's minValues ignored.
  std::vector<Requirement> requirements;
  std::string nodeClassRef;  // EC2NodeClass name
  // spec.limits; a missing name is unlimited.
  ResourceList limits;
  std::string expireAfter;      // "720h" or "Never"
  // spec.template.spec.terminationGracePeriod ("" when unset): how long a drain may wait.
  std::string terminationGracePeriod;
  std::string consolidateAfter;  // "30s", "Never"
  // status.resources as last written by the usage controller (provisioner/nodepool): the
  // capacity of the pool's NodeClaims plus "nodes". Empty when unset or malformed.
  ResourceList statusResources;

  // The embedded default: linux, amd64, on-demand, all current-generation types.
  static NodePool defaultPool();
};

}  // namespace gantry::api
