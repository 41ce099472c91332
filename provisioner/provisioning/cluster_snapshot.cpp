// The controller's snapshot, assembled from cached objects with the helpers `plan` uses
// (snapshotOf for pods and nodes, the NodeClaim view for in-flight capacity), so the
// dry run and the controller agree on what is already there.
#include "provisioner/provisioning/cluster_snapshot.h"

#include <algorithm>

#include "provisioner/snapshot/nodeclaim_view.h"
#include "provisioner/snapshot/workload_snapshot.h"
#include "src/workload/workload.h"

namespace gantry::provisioner {

namespace {

const api::InstanceType* findType(const api::InstanceTypes* catalog, const std::string& name) {
  if (!catalog || name.empty()) return nullptr;
  for (const auto& t : *catalog) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

void addUsage(std::map<std::string, api::ResourceList, std::less<>>& usage, const std::string& pool,
              const api::ResourceList& capacity) {
  if (pool.empty()) return;
  api::ResourceList& u = usage[pool];
  u += capacity;
  u.set(api::resource::kNodes, u.get(api::resource::kNodes) + api::Quantity::fromValue(1));
}

}  // namespace

ClusterSnapshot buildSnapshot(const ClusterObjects& objects, const api::InstanceTypes* catalog,
                              const std::string& region) {
  workload::Workload work;  // all but the pods, which the snapshot reads where they are
  work.nodes.reserve(objects.nodes.size());
  for (const auto& node : objects.nodes) work.nodes.push_back(*node);
  work.nodePools = objects.nodePools;
  work.daemonSets = objects.daemonSets;

  std::map<std::string, api::ResourceList, std::less<>> usage;
  std::map<std::string, size_t, std::less<>> nodeIndex;
  for (size_t i = 0; i < work.nodes.size(); ++i) {
    const api::Node& node = work.nodes[i];
    nodeIndex[node.name] = i;
    const api::InstanceType* type = findType(catalog, node.instanceType);
    addUsage(usage, node.nodePool, type ? type->capacity : node.allocatable);
  }

  ClusterSnapshot out;
  for (const auto& shared : objects.nodeClaims) {
    const api::NodeClaim& claim = *shared;
    if (claim.deleting()) continue;
    NodeClaimView view = viewOfNodeClaim(claim, catalog);
    if (auto it = nodeIndex.find(view.nodeName); !view.nodeName.empty() && it != nodeIndex.end()) {
      // Registered, maybe not initialized: the claim knows the resources still to come.
      api::Node& node = work.nodes[it->second];
      if (!view.initialized) {
        node.inFlight = true;
        for (const auto& [name, q] : view.node.allocatable.entries()) {
          if (node.allocatable.get(name).isZero()) node.allocatable.set(name, q);
        }
        // Until it is initialized the Node carries taints that are about to go: the node
        // lifecycle controller's not-ready, the cloud controller's uninitialized, the claim's
        // startup taints, our unregistered one. Judged by them, the pods planned onto this
        // claim would fit nowhere and a second node would be launched for them (seen in the
        // e2e agreement test: an extra, empty g4dn.xlarge). Karpenter plans against the
        // claim's own taints until initialization too.
        node.taints = view.node.taints;
      }
      continue;
    }
    addUsage(usage, view.node.nodePool, view.capacity);
    work.nodes.push_back(std::move(view.node));
    ++out.claimsInFlight;
  }
  out.snapshot = snapshotOf(std::move(work), objects.pending, objects.bound, region);
  out.snapshot.nodePoolUsage = std::move(usage);
  return out;
}

}  // namespace gantry::provisioner
