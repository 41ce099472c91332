// `gantry plan` from files: manifests -> workload -> snapshot -> solve.
#include "provisioner/plan/plan_host.h"

#include "binpack/solver.h"
#include "cloudprovider/catalog/bundled_catalog.h"
#include "provisioner/snapshot/workload_snapshot.h"
#include "src/workload/manifest_loader.h"

namespace gantry::provisioner {

Result<PlanReport> runPlan(const PlanRequest& request) {
  workload::Workload work;
  for (const auto& path : request.podPaths) {
    Status s = workload::loadManifests(path, work);
    if (!s.isOk()) return fail(s);
  }
  if (!request.nodePoolPaths.empty()) {
    workload::Workload pools;
    for (const auto& path : request.nodePoolPaths) {
      Status s = workload::loadManifests(path, pools);
      if (!s.isOk()) return fail(s);
    }
    work.nodePools.insert(work.nodePools.end(), pools.nodePools.begin(), pools.nodePools.end());
    work.errors.insert(work.errors.end(), pools.errors.begin(), pools.errors.end());
    if (work.nodePools.empty()) {
      return fail(Status::invalid("no NodePool found in " + request.nodePoolPaths.front()));
    }
  }
  auto types = cloudprovider::bundledInstanceTypes(request.region);
  if (!types) return fail(types.error());
  binpack::Snapshot snap = snapshotOf(work, request.region);
  auto plan = binpack::solve(snap, **types);
  if (!plan) return fail(plan.error());
  PlanReport report;
  report.plan = std::move(*plan);
  report.errors = std::move(work.errors);
  report.podsConsidered = snap.pods.size();
  return report;
}

}  // namespace gantry::provisioner
