// What a set of manifests amounts to for planning: the pods the workloads would create,
// the DaemonSets that add per-node overhead, the NodePools, their node classes and the existing
// Nodes given, and every object that could not be decoded.
#pragma once

#include <string>
#include <vector>

#include "src/api/ec2_nodeclass.h"
#include "src/api/node.h"
#include "src/api/nodepool.h"
#include "src/api/pod.h"

namespace gantry::workload {

// One object that could not be decoded; planning goes on without it.
struct ManifestError {
  std::string source;   // file path, or "<stdin>"
  std::string object;   // "Pod ns/name", "Job ns/name", or "document 3 (Job)" when unnamed
                        // (the 3rd non-empty document of the file)
  std::string field;    // JSON path inside the object
  std::string message;
  // How many identical errors this one stands for (collapseRepeatedErrors); 1 when unique.
  size_t count = 1;
};

struct Workload {
  std::vector<api::Pod> pods;
  // Pod templates of DaemonSets: every new node that matches them runs one copy.
  std::vector<api::Pod> daemonSets;
  std::vector<api::NodePool> nodePools;
  // EC2NodeClasses given: what the NodePools naming them put on every node (volumes, a public
  // address), which the host prices as each node's fixed cost.
  std::vector<api::Ec2NodeClass> nodeClasses;
  std::vector<api::Node> nodes;
  std::vector<ManifestError> errors;
};

}  // namespace gantry::workload
