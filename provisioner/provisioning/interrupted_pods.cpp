// The interrupted node's pods, as the solver must see them: waiting for a node. The Node
// itself goes from the snapshot, whatever the cache shows of its fence yet.
#include "provisioner/provisioning/interrupted_pods.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <set>

#include "provisioner/snapshot/provisionable.h"
#include "src/common/logging.h"

namespace gantry::provisioner {

namespace {

namespace nc = api::nodeclaim;

// Whether a drain would move `pod`: the pending-pod rules, asked of it as if unbound and
// judged unschedulable.
bool moves(const api::Pod& pod) {
  api::Pod unbound = pod;
  unbound.nodeName.clear();
  unbound.nominatedNodeName.clear();
  unbound.unschedulable = true;
  return classifyPendingPod(unbound, [](std::string_view) { return false; }) ==
         PodVerdict::kProvisionable;
}

}  // namespace

bool interrupted(const api::NodeClaim& claim) {
  if (!claim.deleting()) return false;
  auto it = claim.annotations.find(std::string(nc::kDisruptionReasonAnnotation));
  return it != claim.annotations.end() && it->second == kInterruptedReason;
}

size_t addInterruptedPods(ClusterObjects& objects) {
  std::set<std::string, std::less<>> nodes;
  for (const auto& claim : objects.nodeClaims) {
    if (!claim->nodeName.empty() && interrupted(*claim)) nodes.insert(claim->nodeName);
  }
  if (nodes.empty()) return 0;
  std::erase_if(objects.nodes, [&](const auto& n) { return nodes.contains(n->name); });
  size_t added = 0;
  std::vector<std::shared_ptr<const api::Pod>> kept;
  kept.reserve(objects.bound.size());
  for (auto& pod : objects.bound) {
    if (!nodes.contains(pod->nodeName)) {
      kept.push_back(std::move(pod));
      continue;
    }
    if (!moves(*pod)) continue;
    api::Pod unbound = *pod;
    unbound.nodeName.clear();
    unbound.nominatedNodeName.clear();
    unbound.unschedulable = true;
    objects.pending.push_back(std::move(unbound));
    ++added;
  }
  objects.bound = std::move(kept);
  if (added > 0) {
    std::sort(objects.pending.begin(), objects.pending.end(),
              [](const api::Pod& a, const api::Pod& b) { return keyLess(a, b); });
  }
  return added;
}

ClusterSource withInterruptedPods(ClusterSource source) {
  return [source = std::move(source)] {
    ClusterObjects objects = source();
    // Reads happen once per provisioning pass, so this says why a pass planned bound pods.
    if (const size_t added = addInterruptedPods(objects); added > 0) {
      componentLogger("provisioning")
          ->info("planning the pods of interrupted nodes pods={}", added);
    }
    return objects;
  };
}

void triggerOnInterruption(kube::ClusterCache& cache, Batcher& batcher) {
  cache.nodeClaims().addHandlers({
      .onAdd =
          [&batcher](const kube::ObjectPtr<api::NodeClaim>& claim) {
            if (interrupted(*claim)) batcher.trigger("nodeclaim/" + claim->name);
          },
      .onUpdate =
          [&batcher](const kube::ObjectPtr<api::NodeClaim>& before,
                     const kube::ObjectPtr<api::NodeClaim>& after) {
            if (interrupted(*after) && !interrupted(*before)) {
              batcher.trigger("nodeclaim/" + after->name);
            }
          },
      .onDelete = nullptr,
  });
}

}  // namespace gantry::provisioner
