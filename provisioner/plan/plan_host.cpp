// `gantry plan` from files: manifests -> workload -> snapshot -> solve.
#include "provisioner/plan/plan_host.h"

#include <set>

#include "binpack/solver.h"
#include "cloudprovider/catalog/bundled_catalog.h"
#include "provisioner/snapshot/workload_snapshot.h"
#include "src/api/nodepool_rules.h"
#include "src/workload/manifest_loader.h"
#include "src/workload/workload_assembly.h"

namespace gantry::provisioner {

namespace {

// Moves the objects of `from` into `to`, refusing a name `to` already has (an error in
// `errors` naming `kind`).
template <typename T>
void appendNamed(std::vector<T>& from, std::vector<T>& to, const std::string& kind,
                 const std::string& source, std::vector<workload::ManifestError>& errors) {
  std::set<std::string, std::less<>> names;
  for (const T& object : to) names.insert(object.name);
  for (T& object : from) {
    if (!names.insert(object.name).second) {
      errors.push_back({source, kind + " " + object.name, "metadata.name",
                        "duplicate " + kind + " name \"" + object.name +
                            "\": an earlier definition is the one planned"});
      continue;
    }
    to.push_back(std::move(object));
  }
}

// Moves `from`'s NodePools, node classes and errors into `into`.
void appendNodePools(workload::Workload& from, const std::string& source,
                     workload::Workload& into) {
  into.errors.insert(into.errors.end(), from.errors.begin(), from.errors.end());
  appendNamed(from.nodePools, into.nodePools, "NodePool", source, into.errors);
  appendNamed(from.nodeClasses, into.nodeClasses, "EC2NodeClass", source, into.errors);
}

}  // namespace

Status loadNodePools(const std::vector<std::string>& paths, workload::Workload& into,
                     const workload::LoadOptions& options) {
  const size_t errorsBefore = into.errors.size();
  for (const auto& path : paths) {
    workload::Workload loaded;
    Status s = workload::loadManifests(path, loaded, options);
    if (!s.isOk()) return s;
    appendNodePools(loaded, path, into);
  }
  if (!into.nodePools.empty() || paths.empty()) return Status::ok();
  // Without a usable pool nothing can be planned; say why rather than "none found": an
  // invalid NodePool first, else a file that could not be read or parsed.
  for (size_t e = errorsBefore; e < into.errors.size(); ++e) {
    const workload::ManifestError& err = into.errors[e];
    if (!err.object.starts_with("NodePool")) continue;
    const std::string where = err.source == paths.front() ? "" : err.source + ": ";
    return Status::invalid("no valid NodePool in " + paths.front() + ": " + where + err.object +
                           ": " + err.field + ": " + err.message);
  }
  std::string why;
  if (into.errors.size() > errorsBefore) {
    const workload::ManifestError& err = into.errors[errorsBefore];
    why = " (" + err.source + ": " + err.message + ")";
  }
  return Status::invalid("no NodePool found in " + paths.front() + why);
}

void addNodeFixedCosts(binpack::Snapshot& snap, const workload::Workload& input,
                       const NodeFixedCost& cost) {
  if (!cost) return;
  for (const api::NodePool& pool : snap.nodePools) {
    snap.nodeFixedCostPerHour[pool.name] = cost(input, pool.nodeClassRef);
  }
}

std::vector<std::string> nodePoolWarnings(const std::vector<api::NodePool>& pools) {
  std::vector<std::string> out;
  for (const api::NodePool& pool : pools) {
    for (std::string& w : api::nodePoolWarnings(pool)) out.push_back("NodePool " + pool.name + ": " + w);
  }
  return out;
}

namespace {

// What runPlan and expandPods share: the workload loaded and expanded, with its NodePools, and
// the solver snapshot of it.
struct LoadedInput {
  workload::Workload work;
  binpack::Snapshot snap;
};

Result<LoadedInput> loadInput(const PlanRequest& request) {
  workload::LoadOptions options;
  options.ignoreUnknownKinds = request.ignoreUnknownKinds;
  // All pod paths are one input: an object in one file may own objects in another. A
  // NodePool named twice there is a duplicate object, reported by the expansion.
  workload::ManifestCollection collection;
  for (const auto& path : request.podPaths) {
    Status s = workload::collectManifests(path, collection, options);
    if (!s.isOk()) return fail(s);
  }
  LoadedInput in;
  workload::expandManifests(collection, in.work, options);
  collection = {};  // the objects are expanded; free them before solving
  if (Status s = loadNodePools(request.nodePoolPaths, in.work, options); !s.isOk()) return fail(s);
  in.snap = snapshotOf(in.work, request.region);
  addNodeFixedCosts(in.snap, in.work, request.nodeFixedCost);
  workload::collapseRepeatedErrors(in.work.errors);
  return in;
}

}  // namespace

Result<PlanReport> runPlan(const PlanRequest& request) {
  auto in = loadInput(request);
  if (!in) return fail(in.error());
  auto types = cloudprovider::bundledInstanceTypes(request.region);
  if (!types) return fail(types.error());
  auto plan = binpack::solve(in->snap, **types);
  if (!plan) return fail(plan.error());
  PlanReport report;
  report.plan = std::move(*plan);
  report.errors = std::move(in->work.errors);
  report.warnings = nodePoolWarnings(in->snap.nodePools);
  report.podsConsidered = in->snap.pods.size();
  return report;
}

Result<ExpandedPods> expandPods(const PlanRequest& request) {
  auto in = loadInput(request);
  if (!in) return fail(in.error());
  // Validate the region as runPlan does, so that both outputs fail alike on a bad flag.
  if (auto types = cloudprovider::bundledInstanceTypes(request.region); !types) return fail(types.error());
  ExpandedPods out;
  out.pods = std::move(in->snap.pods);
  out.errors = std::move(in->work.errors);
  out.warnings = nodePoolWarnings(in->snap.nodePools);
  return out;
}

}  // namespace gantry::provisioner
