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
  // Skip objects of kinds Gantry does not know instead of reporting them (LoadOptions).
  bool ignoreUnknownKinds = false;
};

struct PlanReport {
  binpack::Plan plan;
  std::vector<workload::ManifestError> errors;  // objects that could not be decoded
  size_t podsConsidered = 0;
};

// Loads, solves and reports. Returns kNotFound for a path that does not exist, kInvalid for
// an unknown region or --nodepools without any NodePool. Files that cannot be read or
// parsed and objects that do not decode are reported in PlanReport::errors instead, and
// the rest is planned; repeated identical errors are collapsed into one with a count.
Result<PlanReport> runPlan(const PlanRequest& request);

}  // namespace gantry::provisioner
