// `gantry plan` from files: manifests -> workload -> snapshot -> solve.
#include "provisioner/plan/plan_host.h"

#include "binpack/solver.h"
#include "cloudprovider/catalog/bundled_catalog.h"
#include "provisioner/snapshot/workload_snapshot.h"
#include "src/workload/manifest_loader.h"
#include "src/workload/workload_assembly.h"

namespace gantry::provisioner {

Result<PlanReport> runPlan(const PlanRequest& request) {
  workload::LoadOptions options;
  options.ignoreUnknownKinds = request.ignoreUnknownKinds;
  // All pod paths are one input: an object in one file may own objects in another.
  workload::ManifestCollection collection;
  for (const auto& path : request.podPaths) {
    Status s = workload::collectManifests(path, collection, options);
    if (!s.isOk()) return fail(s);
  }
  workload::Workload work;
  workload::expandManifests(collection, work, options);
  collection = {};  // the objects are expanded; free them before solving
  if (!request.nodePoolPaths.empty()) {
    workload::Workload pools;
    for (const auto& path : request.nodePoolPaths) {
      Status s = workload::loadManifests(path, pools, options);
      if (!s.isOk()) return fail(s);
    }
    work.nodePools.insert(work.nodePools.end(), pools.nodePools.begin(), pools.nodePools.end());
    work.errors.insert(work.errors.end(), pools.errors.begin(), pools.errors.end());
    if (work.nodePools.empty()) {
      // A NodePool file that did not parse is only an entry in errors; name it here.
      std::string why;
      if (!pools.errors.empty()) why = " (" + pools.errors.front().source + ": " + pools.errors.front().message + ")";
      return fail(Status::invalid("no NodePool found in " + request.nodePoolPaths.front() + why));
    }
  }
  auto types = cloudprovider::bundledInstanceTypes(request.region);
  if (!types) return fail(types.error());
  binpack::Snapshot snap = snapshotOf(work, request.region);
  auto plan = binpack::solve(snap, **types);
  if (!plan) return fail(plan.error());
  PlanReport report;
  report.plan = std::move(*plan);
  workload::collapseRepeatedErrors(work.errors);
  report.errors = std::move(work.errors);
  report.podsConsidered = snap.pods.size();
  return report;
}

}  // namespace gantry::provisioner
