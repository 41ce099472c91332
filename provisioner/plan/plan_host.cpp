// `gantry plan` from files: manifests -> workload -> snapshot -> solve.
#include "provisioner/plan/plan_host.h"

#include <map>

#include "binpack/solver.h"
#include "cloudprovider/catalog/bundled_catalog.h"
#include "src/workload/manifest_loader.h"

namespace gantry::provisioner {

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
      node.hostPorts.insert(node.hostPorts.end(), pod.hostPorts.begin(), pod.hostPorts.end());
    }
  }
  return snap;
}

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
