// The `plan` host: builds a solver snapshot from manifest files and the bundled catalog,
// solves, and reports. No cluster writes and no launches; what it prints is what the
// controller would do with the same pods.
#pragma once

#include <string>
#include <vector>

#include "binpack/snapshot.h"
#include "src/common/status.h"
#include "src/workload/workload.h"

namespace gantry::provisioner {

struct PlanRequest {
  std::vector<std::string> podPaths;       // files or directories of workload manifests
  std::vector<std::string> nodePoolPaths;  // NodePool manifests; empty: the embedded default
  std::string region = "us-east-1";
};

struct PlanReport {
  binpack::Plan plan;
  std::vector<workload::ManifestError> errors;  // objects that could not be decoded
  // Findings that do not stop the plan: NodePool requirements on custom label keys
  // ("NodePool gpu: spec.template.spec.requirements[2].key: ...").
  std::vector<std::string> warnings;
  size_t podsConsidered = 0;
};

// Loads, solves and reports. Returns kNotFound / kInvalid for a missing, unreadable or
// unparsable file (message names the file), kInvalid for an unknown region. Objects that
// parse but do not decode are reported in PlanReport::errors instead.
Result<PlanReport> runPlan(const PlanRequest& request);

// Loads the NodePools in `paths` (files or directories) into `into`, with their decode errors.
// A NodePool whose name is already in `into` (or in an earlier path) is an error listed in
// `into.errors` and is not loaded: the first definition is the one planned. Errors: as
// workload::loadManifests for an unreadable or unparsable file; kInvalid when `into` is left
// without a NodePool, naming the first decode error when it is because each one was invalid.
Status loadNodePools(const std::vector<std::string>& paths, workload::Workload& into);

// The warnings of api::nodePoolWarnings for each pool, prefixed "NodePool <name>: ".
std::vector<std::string> nodePoolWarnings(const std::vector<api::NodePool>& pools);

// Builds the solver snapshot for a loaded workload: pending pods, NodePools (or the
// default), given Nodes with the requests of pods bound to them, and DaemonSets.
binpack::Snapshot snapshotOf(const workload::Workload& workload, const std::string& region);

}  // namespace gantry::provisioner
