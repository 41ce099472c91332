// The scheduler model's pass: the cluster as the solver sees existing capacity, then the
// solver's placements onto it read back as bindings.
#include "provisioner/simulate/scheduler_model.h"

#include <algorithm>
#include <set>

#include "binpack/pod_class.h"
#include "binpack/solver.h"
#include "src/api/taints.h"

namespace gantry::provisioner::simulate {

namespace {

bool schedulable(const api::Node& node) {
  return node.ready && !node.unschedulable && !node.deleting;
}

// A Node with what its bound pods take, their labels and host ports: free capacity is
// allocatable - requested, as the snapshot contract says. The pods' labels matter only to
// spread and pod affinity; a pass without those (`withPodLabels` false) says how many pods
// the node holds through requested["pods"] instead, which the solver reads the same way
// (binpack/packing_state.cpp), and saves copying every bound pod's labels on every pass.
api::Node chargedNode(const api::Node& node, const InMemoryCluster::NodeLoad& load,
                      bool withPodLabels) {
  // Only what the solver reads of an existing node (binpack/packing_state.cpp,
  // greedy_packer.cpp, topology.cpp): not its annotations, provider ID or price, which would
  // only be copied and freed again.
  api::Node charged;
  charged.name = node.name;
  charged.labels = node.labels;
  charged.taints = node.taints;
  charged.allocatable = node.allocatable;
  charged.ready = node.ready;
  charged.unschedulable = node.unschedulable;
  charged.deleting = node.deleting;
  charged.inFlight = node.inFlight;
  charged.requested = load.requested;
  const bool countOnly = !withPodLabels && node.allocatable.has(api::resource::kPods) &&
                         !load.requested.has(api::resource::kPods);
  if (countOnly) {
    charged.requested.set(api::resource::kPods,
                          api::Quantity::fromValue(static_cast<int64_t>(load.pods.size())));
  }
  for (const auto& pod : load.pods) {
    if (!countOnly) charged.pods.emplace_back(pod->key(), pod->labels);
    charged.hostPorts.insert(charged.hostPorts.end(), pod->hostPorts.begin(), pod->hostPorts.end());
  }
  return charged;
}

// A request as the solver compares it (binpack/resource_vector.cpp): cpu in millicores,
// everything else in whole units.
int64_t scalar(const std::string& name, const api::Quantity& q) {
  return name == api::resource::kCpu ? q.milliValue() : q.value();
}

using Room = InMemoryCluster::NodeLoad::Room;

// The node's free room (NodeLoad::Room), computed once while the node and its pods stay as
// they are.
const Room& roomOf(const api::Node& node, const InMemoryCluster::NodeLoad& load) {
  if (load.room) return *load.room;
  Room room;
  for (const auto& [name, q] : node.allocatable.entries()) {
    if (name != api::resource::kPods) room.free.emplace_back(name, scalar(name, q));
  }
  for (const auto& [name, q] : load.requested.entries()) {
    if (name == api::resource::kPods) continue;
    auto at = std::lower_bound(room.free.begin(), room.free.end(), name,
                               [](const auto& entry, const std::string& n) { return entry.first < n; });
    if (at == room.free.end() || at->first != name) at = room.free.insert(at, {name, 0});
    at->second -= scalar(name, q);
  }
  // The solver's pod count: allocatable pods (110 when unset) less the node's pods, or less
  // requested pods when its pods request that resource (see chargedNode).
  room.podsFree = node.allocatable.has(api::resource::kPods)
                      ? node.allocatable.get(api::resource::kPods).value()
                      : 110;
  room.podsFree -= load.requested.has(api::resource::kPods)
                       ? load.requested.get(api::resource::kPods).value()
                       : static_cast<int64_t>(load.pods.size());
  load.room = std::move(room);
  return *load.room;
}

// A pending pod's requests in the solver's units, by name: those above zero, "pods" apart.
struct Needs {
  std::vector<std::pair<std::string, int64_t>> resources;
  int64_t pods = 0;
};

Needs needsOf(const api::Pod& pod) {
  Needs needs;
  for (const auto& [name, q] : pod.requests.entries()) {
    if (name == api::resource::kPods) {
      needs.pods = q.value();
    } else if (const int64_t need = scalar(name, q); need > 0) {
      needs.resources.emplace_back(name, need);
    }
  }
  return needs;
}

// Whether the solver would put `pod` on `node` if it were the only pod of the pass: the checks
// of its existing-node placement (binpack/greedy_packer.cpp placeOnExisting) for a pod without
// topology constraints, against what the node's pods (`load`) take: taints the pod must
// tolerate, labels its node affinity must allow, room for each request and for one more pod,
// and host ports no pod there holds. They only get harder to pass as a pass places pods.
bool takesAlone(const api::Pod& pod, const Needs& needs, const api::Node& node,
                const InMemoryCluster::NodeLoad& load) {
  const Room& room = roomOf(node, load);
  if (needs.pods + 1 > room.podsFree) return false;
  // Both lists are in name order: one walk; a resource the node lacks has no room.
  auto free = room.free.begin();
  for (const auto& [name, need] : needs.resources) {
    while (free != room.free.end() && free->first < name) ++free;
    if (free == room.free.end() || free->first != name || need > free->second) return false;
  }
  if (api::firstUntolerated(node.taints, pod.tolerations).has_value() ||
      !pod.nodeLabelsAllowed(node.labels)) {
    return false;
  }
  if (!pod.hostPorts.empty()) {
    for (const auto& other : load.pods) {
      if (binpack::hostPortsOverlap(pod.hostPorts, other->hostPorts)) return false;
    }
  }
  return true;
}

bool prefersNode(const api::Pod& pod, const api::Node& node) {
  return std::all_of(pod.preferredNodeAffinity.begin(), pod.preferredNodeAffinity.end(),
                     [&](const auto& pref) { return pref.term.matches(node.labels); });
}

// A pod whose placement depends on the pods of other nodes (spread, pod (anti-)affinity,
// required or preferred): the solver looks at every node for it, so no node may be left out
// of a pass with such a pod. A gang is not such a case on existing nodes: each member goes
// first fit like any pod, and the gang is undone after the placement if one did not fit.
bool countsOtherNodes(const api::Pod& pod) {
  return !pod.topologySpread.empty() || !pod.requiredPodAffinity.empty() ||
         !pod.preferredPodAffinity.empty() || !pod.requiredPodAntiAffinity.empty() ||
         !pod.preferredPodAntiAffinity.empty();
}

}  // namespace

Result<SchedulingPass> SchedulerModel::schedulePending(const InMemoryCluster& cluster) {
  std::vector<std::shared_ptr<const api::Pod>> pending;
  for (auto& pod : cluster.pendingPods()) {
    if (!pod->nodeName.empty() || pod->terminating || pod->schedulingGated) continue;
    pending.push_back(std::move(pod));
  }
  SchedulingPass pass;
  if (pending.empty()) return pass;
  std::sort(pending.begin(), pending.end(), [](const auto& a, const auto& b) {
    return a->priority != b->priority ? a->priority > b->priority : keyLess(*a, *b);
  });
  // Topology makes every node and pod count: then the solve gets all of them.
  // Otherwise each pod brings the first nodes (by name, the solver's order) that would take it
  // alone, as many as there are pending pods, and a pod no node takes stays out. The solver
  // puts a pod on the first node that still takes it after the pass's earlier placements,
  // which can have filled at most one node per other pending pod, so that node is among
  // those: the bindings are the ones a solve over every node and pod would make, without
  // building and packing every Ready node on every pass (that was most of a day's run).
  const bool allNodes = std::any_of(pending.begin(), pending.end(),
                                    [](const auto& p) { return countsOtherNodes(*p); });
  const auto& nodes = cluster.nodesByName();
  std::vector<bool> placeable(pending.size(), allNodes);
  std::vector<bool> useful(nodes.size(), allNodes);
  const auto& loads = cluster.loadsByName();
  auto loadOf = [&](size_t n) -> const InMemoryCluster::NodeLoad& { return *loads[n]; };
  // Read only for pods remembered as fitting nowhere, so computed on first use.
  std::vector<uint64_t> stamps;
  auto stampOf = [&](size_t n) {
    if (stamps.empty()) {
      stamps.reserve(nodes.size());
      for (const auto& node : nodes) stamps.push_back(cluster.roomStamp(node->name));
    }
    return stamps[n];
  };
  for (size_t i = 0; i < pending.size() && !allNodes; ++i) {
    const api::Pod& p = *pending[i];
    auto memo = fitNowhereAt_.find(p.key());
    const bool remembered = memo != fitNowhereAt_.end() && memo->second.first == p.uid;
    const uint64_t lookedAt = remembered ? memo->second.second : 0;
    const bool wantsPreferred = !p.preferredNodeAffinity.empty();
    const Needs needs = needsOf(p);
    size_t takers = 0;
    size_t preferredTakers = 0;
    for (size_t n = 0; n < nodes.size(); ++n) {
      const api::Node& node = *nodes[n];
      if (!schedulable(node) || (remembered && stampOf(n) <= lookedAt)) continue;
      if (!takesAlone(p, needs, node, loadOf(n))) continue;
      useful[n] = true;
      placeable[i] = true;
      ++takers;
      // The solver's first try for such a pod wants every preferred term to match.
      if (wantsPreferred && prefersNode(p, node)) ++preferredTakers;
      if (takers >= pending.size() && (!wantsPreferred || preferredTakers >= pending.size())) {
        break;
      }
    }
    if (placeable[i]) {
      if (memo != fitNowhereAt_.end()) fitNowhereAt_.erase(memo);
    } else {
      fitNowhereAt_[p.key()] = {p.uid, cluster.roomClock()};
    }
  }
  forgetPodsNotPending(pending);

  binpack::Snapshot snapshot;
  snapshot.region = region_;
  for (size_t n = 0; n < nodes.size(); ++n) {
    if (!useful[n] || !schedulable(*nodes[n])) continue;
    snapshot.nodes.push_back(chargedNode(*nodes[n], loadOf(n), allNodes));
  }
  // A gang with a member no node takes is undone whole by the solver, after its members took
  // room the pods placed after them then lack: so all of a gang goes in when any member does,
  // and the pass binds what a solve over every pod would.
  std::set<std::string> gangsIn;
  for (size_t i = 0; i < pending.size(); ++i) {
    if (placeable[i] && !pending[i]->gang.empty()) gangsIn.insert(pending[i]->gang);
  }
  for (size_t i = 0; i < pending.size(); ++i) {
    if (placeable[i] || gangsIn.contains(pending[i]->gang)) snapshot.pods.push_back(*pending[i]);
  }
  std::set<std::string> placed;
  if (!snapshot.pods.empty() && !snapshot.nodes.empty()) {
    static const api::InstanceTypes kNoNewNodes;
    auto plan = binpack::solve(snapshot, kNoNewNodes);
    if (!plan) return fail(plan.error());
    for (const auto& p : plan->existing) {
      pass.bound.push_back({p.pod, p.node});
      placed.insert(p.pod);
    }
  }
  for (const auto& pod : pending) {
    if (!placed.contains(pod->key())) pass.unschedulable.push_back(pod->key());
  }
  return pass;
}

// Pods bound, deleted or gone: their entries would only pile up over a long run.
void SchedulerModel::forgetPodsNotPending(
    const std::vector<std::shared_ptr<const api::Pod>>& pending) {
  if (fitNowhereAt_.size() <= 2 * pending.size() + 64) return;
  std::unordered_map<std::string, std::pair<std::string, uint64_t>> kept;
  for (const auto& pod : pending) {
    if (auto it = fitNowhereAt_.find(pod->key()); it != fitNowhereAt_.end()) kept.insert(*it);
  }
  fitNowhereAt_ = std::move(kept);
}

Result<SchedulingPass> schedulePending(const InMemoryCluster& cluster, const std::string& region) {
  return SchedulerModel(region).schedulePending(cluster);
}

}  // namespace gantry::provisioner::simulate
