// `gantry plan` from files: manifests -> workload -> snapshot -> solve.
#include "provisioner/plan/plan_host.h"

#include <iterator>
#include <map>
#include <set>

#include "binpack/solver.h"
#include "cloudprovider/catalog/bundled_catalog.h"
#include "src/api/nodepool_rules.h"
#include "src/workload/manifest_loader.h"

namespace gantry::provisioner {

namespace {

// Moves `from`'s NodePools and errors into `into`, refusing a name `into` already has.
void appendNodePools(workload::Workload& from, const std::string& source, workload::Workload& into) {
  std::set<std::string, std::less<>> names;
  for (const api::NodePool& pool : into.nodePools) names.insert(pool.name);
  into.errors.insert(into.errors.end(), from.errors.begin(), from.errors.end());
  for (api::NodePool& pool : from.nodePools) {
    if (!names.insert(pool.name).second) {
      into.errors.push_back({source, "NodePool " + pool.name, "metadata.name",
                             "duplicate NodePool name \"" + pool.name +
                                 "\": an earlier definition is the one planned"});
      continue;
    }
    into.nodePools.push_back(std::move(pool));
  }
}

}  // namespace

Status loadNodePools(const std::vector<std::string>& paths, workload::Workload& into) {
  const size_t errorsBefore = into.errors.size();
  for (const auto& path : paths) {
    workload::Workload loaded;
    Status s = workload::loadManifests(path, loaded);
    if (!s.isOk()) return s;
    appendNodePools(loaded, path, into);
  }
  if (!into.nodePools.empty() || paths.empty()) return Status::ok();
  // Without a usable pool nothing can be planned; say why rather than "none found".
  for (size_t e = errorsBefore; e < into.errors.size(); ++e) {
    const workload::ManifestError& err = into.errors[e];
    if (!err.object.starts_with("NodePool")) continue;
    const std::string where = err.source == paths.front() ? "" : err.source + ": ";
    return Status::invalid("no valid NodePool in " + paths.front() + ": " + where + err.object +
                           ": " + err.field + ": " + err.message);
  }
  return Status::invalid("no NodePool found in " + paths.front());
}

std::vector<std::string> nodePoolWarnings(const std::vector<api::NodePool>& pools) {
  std::vector<std::string> out;
  for (const api::NodePool& pool : pools) {
    for (std::string& w : api::nodePoolWarnings(pool)) out.push_back("NodePool " + pool.name + ": " + w);
  }
  return out;
}

binpack::Snapshot snapshotOf(const workload::Workload& workload, const std::string& region) {
  binpack::Snapshot snap;
  snap.region = region;
  snap.nodePools = workload.nodePools;
  if (snap.nodePools.empty()) snap.nodePools.push_back(api::NodePool::defaultPool());
  snap.daemonSets = workload.daemonSets;
  snap.nodes = workload.nodes;
  std::map<std::string, size_t> nodeIndex;
  for (size_t i = 0; i < snap.nodes.size(); ++i) nodeIndex[snap.nodes[i].name] = i;
  for (const auto& pod : workload.pods) {
    if (pod.phase == "Succeeded" || pod.phase == "Failed" || pod.terminating) continue;
    if (pod.nodeName.empty()) {
      snap.pods.push_back(pod);
      continue;
    }
    // A bound pod uses capacity on its node; it is not for the solver to place.
    if (auto it = nodeIndex.find(pod.nodeName); it != nodeIndex.end()) {
      api::Node& node = snap.nodes[it->second];
      node.requested += pod.requests;
      node.pods.emplace_back(pod.key(), pod.labels);
    }
  }
  return snap;
}

Result<PlanReport> runPlan(const PlanRequest& request) {
  workload::Workload work;
  for (const auto& path : request.podPaths) {
    const auto poolsBefore = static_cast<std::ptrdiff_t>(work.nodePools.size());
    Status s = workload::loadManifests(path, work);
    if (!s.isOk()) return fail(s);
    // Pods files may hold NodePools too; their names must not repeat either.
    workload::Workload added;
    added.nodePools.assign(std::make_move_iterator(work.nodePools.begin() + poolsBefore),
                           std::make_move_iterator(work.nodePools.end()));
    work.nodePools.resize(static_cast<size_t>(poolsBefore));
    appendNodePools(added, path, work);
  }
  if (Status s = loadNodePools(request.nodePoolPaths, work); !s.isOk()) return fail(s);
  auto types = cloudprovider::bundledInstanceTypes(request.region);
  if (!types) return fail(types.error());
  binpack::Snapshot snap = snapshotOf(work, request.region);
  auto plan = binpack::solve(snap, **types);
  if (!plan) return fail(plan.error());
  PlanReport report;
  report.plan = std::move(*plan);
  report.errors = std::move(work.errors);
  report.warnings = nodePoolWarnings(snap.nodePools);
  report.podsConsidered = snap.pods.size();
  return report;
}

}  // namespace gantry::provisioner
