// The live `plan` steps; see live_plan.h. A CLI run is short and interactive, so the client
// retries less than the controller would: an unreachable server should fail in seconds.
#include "provisioner/plan/live_plan.h"

#include "binpack/solver.h"
#include "src/workload/manifest_loader.h"

namespace gantry::provisioner {

Result<ClusterState> readCluster(const kube::RestConfig& config, Clock& clock,
                                 api::InstanceTypesPtr catalog) {
  const std::string where = "cannot read the cluster at " + config.server;
  auto conn = kube::connect(config, clock,
                            {.qps = 50, .burst = 100, .maxRetries = 2, .userAgent = "gantry-plan"});
  if (!conn) return fail(conn.error().withContext(where));
  ClusterReader reader(*conn->client, {.source = config.server, .catalog = std::move(catalog)});
  auto state = reader.read();
  if (!state) return fail(state.error().withContext(where));
  return state;
}

Status overrideNodePools(ClusterState& state, const std::vector<std::string>& paths) {
  workload::Workload pools;
  if (Status s = loadNodePools(paths, pools); !s.isOk()) return s;
  state.workload.nodePools = std::move(pools.nodePools);
  state.workload.errors.insert(state.workload.errors.end(), pools.errors.begin(), pools.errors.end());
  return Status::ok();
}

Result<PlanReport> planCluster(ClusterState state, const api::InstanceTypes& catalog,
                               const std::string& region) {
  binpack::Snapshot snap = snapshotOf(state, region);
  auto plan = binpack::solve(snap, catalog);
  if (!plan) return fail(plan.error());
  PlanReport report;
  report.plan = std::move(*plan);
  report.errors = std::move(state.workload.errors);
  report.warnings = nodePoolWarnings(snap.nodePools);
  report.podsConsidered = snap.pods.size();
  return report;
}

}  // namespace gantry::provisioner
