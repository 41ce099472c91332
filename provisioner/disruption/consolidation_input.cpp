// From cached objects to the planner's input. Nodes are sorted by name so the planner's
// answer does not depend on the cache's hash order.
#include "provisioner/disruption/consolidation_input.h"

#include <algorithm>
#include <map>

#include "provisioner/disruption/budgets.h"
#include "provisioner/disruption/consolidation_candidates.h"
#include "provisioner/nodeclaim/drain.h"
#include "src/api/offering_price.h"
#include "src/api/well_known_labels.h"

namespace gantry::provisioner::disruption {

namespace {

namespace nc = api::nodeclaim;

std::string labelOf(const api::Labels& labels, std::string_view key) {
  auto it = labels.find(key);
  return it == labels.end() ? "" : it->second;
}

double priceOf(const api::InstanceTypes& catalog, const api::Labels& labels) {
  const std::string type = labelOf(labels, api::label::kInstanceType);
  const std::string zone = labelOf(labels, api::label::kZone);
  std::string capacityType = labelOf(labels, api::label::kCapacityType);
  if (capacityType.empty()) capacityType = "on-demand";
  return api::offeringPrice(catalog, type, zone, capacityType);
}

}  // namespace

bool hasDisruptionFence(const api::Node& node) {
  return std::any_of(node.taints.begin(), node.taints.end(), [](const api::Taint& t) {
    return t.key == nodeclaim::kDisruptedTaintKey;
  });
}

bool consolidationEnabled(const api::NodePool& pool) {
  return pool.consolidationPolicy == api::ConsolidationPolicy::kWhenEmptyOrUnderutilized &&
         pool.consolidateAfterDuration().has_value();
}

BuiltInput buildConsolidationInput(const ClusterObjects& objects,
                                   const api::InstanceTypes& catalog, const std::string& region,
                                   Clock::TimePoint now, const std::set<std::string>& excluded) {
  BuiltInput out;
  ConsolidationInput& in = out.input;
  in.region = region;
  in.nodePools = objects.nodePools;
  in.daemonSets = objects.daemonSets;

  std::map<std::string, const api::NodeClaim*> claimOfNode;
  std::map<std::string, std::pair<int64_t, int64_t>> poolCounts;  // nodes, disrupting
  for (const auto& claim : objects.nodeClaims) {
    if (!claim->nodeName.empty()) claimOfNode[claim->nodeName] = claim.get();
    if (!claim->isTrue(nc::kInitialized)) continue;
    auto& [poolNodes, poolDisrupting] = poolCounts[claim->nodePool()];
    ++poolNodes;
    if (claim->deleting()) ++poolDisrupting;
  }
  std::map<std::string, std::vector<const api::Pod*>> podsOf;
  for (const auto& pod : objects.bound) {
    if (pod->finished()) continue;
    podsOf[pod->nodeName].push_back(pod.get());
  }
  std::map<std::string, const api::NodePool*> pools;
  for (const auto& pool : objects.nodePools) pools[pool.name] = &pool;

  std::vector<const api::Node*> nodes;
  for (const auto& node : objects.nodes) nodes.push_back(node.get());
  std::sort(nodes.begin(), nodes.end(),
            [](const api::Node* a, const api::Node* b) { return a->name < b->name; });
  for (const api::Node* node : nodes) {
    ClusterNode cn;
    cn.node = *node;
    for (const api::Pod* pod : podsOf[node->name]) cn.pods.push_back(*pod);
    auto claimIt = claimOfNode.find(node->name);
    const api::NodeClaim* claim = claimIt == claimOfNode.end() ? nullptr : claimIt->second;
    cn.claim = claim ? claim->name : "";
    cn.nodePool = claim ? claim->nodePool() : node->nodePool;
    cn.pricePerHour = priceOf(catalog, node->labels);
    if (cn.pricePerHour == 0 && claim) cn.pricePerHour = priceOf(catalog, claim->labels);
    const bool fenced = hasDisruptionFence(*node);
    cn.target = node->ready && !node->unschedulable && !node->deleting && !fenced &&
                (claim == nullptr || (claim->isTrue(nc::kInitialized) && !claim->deleting()));
    if (claim && cn.target == false && claim->isTrue(nc::kInitialized) && !claim->deleting() &&
        (fenced || node->deleting || !node->ready)) {
      ++poolCounts[cn.nodePool].second;
    }
    auto pool = pools.find(cn.nodePool);
    const bool movable = std::any_of(cn.pods.begin(), cn.pods.end(), [](const api::Pod& p) {
      return !runsWithNode(p) && !p.terminating;
    });
    if (claim && cn.target && pool != pools.end() && consolidationEnabled(*pool->second) &&
        claim->isTrue(nc::kConsolidatable) && !excluded.contains(claim->name) && movable) {
      std::vector<std::shared_ptr<const api::Pod>> shared;
      std::optional<Block> block;
      for (const auto& pod : cn.pods) {
        if (pod.terminating) continue;
        if ((block = consolidationBlock(pod, *pool->second))) break;
      }
      if (!block) {
        for (const auto& pod : cn.pods) shared.push_back(std::make_shared<const api::Pod>(pod));
        block = doNotDisrupt(*claim, *node, shared);
      }
      if (block) {
        out.blocked.emplace_back(claim->name, node->name, std::move(*block));
      } else {
        cn.candidate = true;
      }
    }
    in.nodes.push_back(std::move(cn));
  }
  for (const auto& [name, pool] : pools) {
    const auto& [poolNodes, poolDisrupting] = poolCounts[name];
    in.allowed[name] = allowedDisruptions(pool->budgets, DisruptionReason::kUnderutilized, now,
                                          poolNodes, poolDisrupting)
                           .allowed;
  }
  return out;
}

}  // namespace gantry::provisioner::disruption
