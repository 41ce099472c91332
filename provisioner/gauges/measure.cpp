// The gauge definitions. Which objects count: Nodes labelled with a NodePool this controller
// knows (in its cache, or named by one of its NodeClaims: a pool deleted while its nodes
// drain is still paid for), the pods bound to those Nodes, and the NodeClaims of the cache
// (already limited to this controller's NodePools by --nodepool-selector).
#include "provisioner/gauges/measure.h"

#include <set>
#include <string_view>

#include "provisioner/nodepool/usage.h"
#include "provisioner/snapshot/provisionable.h"
#include "src/api/offering_price.h"
#include "src/api/well_known_labels.h"

namespace gantry::provisioner::gauges {

namespace {

constexpr std::string_view kGpuResources[] = {"nvidia.com/gpu", "amd.com/gpu"};

std::string labelOf(const api::Labels& labels, std::string_view key) {
  auto it = labels.find(key);
  return it == labels.end() ? std::string() : it->second;
}

// Quantities as Prometheus numbers: cores, bytes, counts.
double number(const api::Quantity& q) { return static_cast<double>(q.milliValue()) / 1000.0; }

double gpus(const api::ResourceList& resources) {
  double sum = 0;
  for (std::string_view name : kGpuResources) sum += number(resources.get(name));
  return sum;
}

void pendingPods(const ClusterState& state, GaugeValues& out) {
  double unschedulable = 0, nominated = 0, gated = 0;
  std::set<std::string, std::less<>> nodeNames;
  for (const auto& n : state.nodes) nodeNames.insert(n->name);
  for (const auto& pod : state.pods) {
    switch (classifyPendingPod(*pod, nodeNames)) {
      case PodVerdict::kProvisionable:
        (state.nominatedPods.contains(pod->key()) ? nominated : unschedulable) += 1;
        break;
      case PodVerdict::kNominated: nominated += 1; break;
      case PodVerdict::kSchedulingGated: gated += 1; break;
      default: break;  // bound, finished, someone else's, or not judged by the scheduler yet
    }
  }
  out.podsPending[{{"reason", "unschedulable"}}] = unschedulable;
  out.podsPending[{{"reason", "nominated"}}] = nominated;
  out.podsPending[{{"reason", "gated"}}] = gated;
}

}  // namespace

GaugeValues measure(const ClusterState& state) {
  GaugeValues out;
  pendingPods(state, out);
  out.unavailableOfferings = static_cast<double>(state.unavailableOfferings);

  std::set<std::string> pools;
  for (const auto& pool : state.nodePools) {
    pools.insert(pool->name);
    const api::ResourceList usage = nodepool::nodePoolUsage(pool->name, state.nodeClaims);
    for (const auto& [resource, quantity] : usage.entries()) {
      out.nodePoolUsage[{{"nodepool", pool->name}, {"resource", resource}}] = number(quantity);
    }
    for (const auto& [resource, quantity] : pool->limits.entries()) {
      out.nodePoolLimit[{{"nodepool", pool->name}, {"resource", resource}}] = number(quantity);
    }
  }
  for (const auto& claim : state.nodeClaims) {
    if (!claim->nodePool().empty()) pools.insert(claim->nodePool());
  }
  for (const auto& pool : pools) {
    out.gpusAllocatable[{{"nodepool", pool}}] = 0;
    out.gpusRequested[{{"nodepool", pool}}] = 0;
    out.nodeClaimsDrifted[{{"nodepool", pool}}] = 0;
  }
  for (const auto& claim : state.nodeClaims) {
    if (claim->deleting() || !claim->isTrue(api::nodeclaim::kDrifted)) continue;
    if (!claim->nodePool().empty()) out.nodeClaimsDrifted[{{"nodepool", claim->nodePool()}}] += 1;
  }

  std::map<std::string, std::string> poolOfNode;  // node name -> pool, Gantry's nodes only
  for (const auto& node : state.nodes) {
    const std::string pool = labelOf(node->labels, api::label::kNodePool);
    if (!pools.contains(pool)) continue;
    poolOfNode[node->name] = pool;
    out.nodes[{{"nodepool", pool},
               {"instance_type", labelOf(node->labels, api::label::kInstanceType)},
               {"capacity_type", labelOf(node->labels, api::label::kCapacityType)},
               {"zone", labelOf(node->labels, api::label::kZone)}}] += 1;
    out.gpusAllocatable[{{"nodepool", pool}}] += gpus(node->allocatable);
  }
  for (const auto& pod : state.pods) {
    if (pod->nodeName.empty() || pod->finished()) continue;
    auto it = poolOfNode.find(pod->nodeName);
    if (it != poolOfNode.end()) out.gpusRequested[{{"nodepool", it->second}}] += gpus(pod->requests);
  }

  for (const auto& claim : state.nodeClaims) {
    if (!claim->isTrue(api::nodeclaim::kLaunched)) continue;
    const std::string capacityType = labelOf(claim->labels, api::label::kCapacityType);
    const double price =
        state.catalog ? api::offeringPrice(*state.catalog, labelOf(claim->labels, api::label::kInstanceType),
                                      labelOf(claim->labels, api::label::kZone), capacityType)
                      : 0;
    out.clusterPrice[{{"nodepool", claim->nodePool()}, {"capacity_type", capacityType}}] += price;
  }
  return out;
}

}  // namespace gantry::provisioner::gauges
