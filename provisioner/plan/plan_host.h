// The `plan` host: builds a solver snapshot from manifest files and the bundled catalog,
// solves, and reports. No cluster writes and no launches; what it prints is what the
// controller would do with the same pods.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "binpack/snapshot.h"
#include "src/common/status.h"
#include "src/workload/manifest_loader.h"
#include "src/workload/workload.h"

namespace gantry::provisioner {

// What each node of a NodePool costs besides its instance price ($/h: volumes, a public
// address), given the node class the pool names and the input the class may be among (a
// class the input lacks is priced as the provider's default). The wiring supplies the cloud
// provider's price table; empty means no fixed costs.
using NodeFixedCost =
    std::function<double(const workload::Workload& input, const std::string& nodeClassName)>;

// Snapshot::nodeFixedCostPerHour for every pool of `snap` (nothing when `cost` is empty).
void addNodeFixedCosts(binpack::Snapshot& snap, const workload::Workload& input,
                       const NodeFixedCost& cost);

struct PlanRequest {
  std::vector<std::string> podPaths;       // files or directories of workload manifests
  std::vector<std::string> nodePoolPaths;  // NodePool manifests; empty: the embedded default
  std::string region = "us-east-1";
  // Skip objects of kinds Gantry does not know instead of reporting them (LoadOptions).
  bool ignoreUnknownKinds = false;
  // Prices each node's volumes and address from the node classes of the input (pod and
  // NodePool paths alike).
  NodeFixedCost nodeFixedCost{};
};

struct PlanReport {
  binpack::Plan plan;
  std::vector<workload::ManifestError> errors;  // objects that could not be decoded
  // Findings that do not stop the plan: NodePool requirements on custom label keys
  // ("NodePool gpu: spec.template.spec.requirements[2].key: ...").
  std::vector<std::string> warnings;
  size_t podsConsidered = 0;
};

// Loads, solves and reports. Returns kNotFound for a path that does not exist, kInvalid for
// an unknown region or --nodepools without any NodePool. Files that cannot be read or
// parsed and objects that do not decode are reported in PlanReport::errors instead, and
// the rest is planned; repeated identical errors are collapsed into one with a count.
Result<PlanReport> runPlan(const PlanRequest& request);

// The pods runPlan would place on new nodes, as the solver's snapshot holds them (expanded
// from Deployments, Jobs, Katib Experiments, training-job gangs; finished and bound pods left
// out), with the same errors and warnings and without solving. `gantry plan -o pods` prints
// them so another scheduler can be run on exactly these pods. Errors: as runPlan.
struct ExpandedPods {
  std::vector<api::Pod> pods;
  std::vector<workload::ManifestError> errors;
  std::vector<std::string> warnings;
};
Result<ExpandedPods> expandPods(const PlanRequest& request);

// Loads the NodePools in `paths` (files or directories) into `into`, with their decode errors,
// and the EC2NodeClasses there too. A NodePool (or class) whose name is already in `into` (or
// in an earlier path) is an error listed in `into.errors` and is not loaded: the first
// definition is the one planned. Errors: as
// workload::loadManifests for an unreadable or unparsable file; kInvalid when `into` is left
// without a NodePool, naming the first decode error when it is because each one was invalid.
Status loadNodePools(const std::vector<std::string>& paths, workload::Workload& into,
                     const workload::LoadOptions& options = {});

// The warnings of api::nodePoolWarnings for each pool, prefixed "NodePool <name>: ".
std::vector<std::string> nodePoolWarnings(const std::vector<api::NodePool>& pools);

}  // namespace gantry::provisioner
