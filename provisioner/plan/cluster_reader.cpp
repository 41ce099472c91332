// Assembling a plan snapshot from list calls. Nodes are listed first so that pods can be
// charged to them as they stream in; NodeClaims last, so a claim whose Node registered in
// between still counts (as in-flight capacity) rather than vanishing.
#include "provisioner/plan/cluster_reader.h"

#include <set>

#include "provisioner/snapshot/nodeclaim_view.h"
#include "provisioner/snapshot/provisionable.h"
#include "provisioner/snapshot/workload_snapshot.h"
#include "src/api/decode.h"
#include "src/api/well_known_labels.h"
#include "src/workload/expander.h"

namespace gantry::provisioner {

using nlohmann::json;

namespace {

const kube::ResourcePath kNodes{.resource = "nodes"};
const kube::ResourcePath kPods{.resource = "pods"};
const kube::ResourcePath kDaemonSets{.group = "apps", .resource = "daemonsets"};
const kube::ResourcePath kGantryNodePools{.group = "gantry.dev", .resource = "nodepools"};
const kube::ResourcePath kKarpenterNodePools{.group = "karpenter.sh", .resource = "nodepools"};
const kube::ResourcePath kNodeClaims{.group = "gantry.dev", .resource = "nodeclaims"};
const kube::ResourcePath kGantryNodeClasses{.group = "gantry.dev", .resource = "ec2nodeclasses"};
const kube::ResourcePath kKarpenterNodeClasses{.group = "karpenter.k8s.aws",
                                               .resource = "ec2nodeclasses"};

// Terminal pods hold no capacity and are never placed; the server drops them for us.
constexpr const char* kLivePods = "status.phase!=Succeeded,status.phase!=Failed";

std::string metaText(const json& item, std::string_view key) {
  if (!item.is_object()) return "";
  auto meta = item.find("metadata");
  if (meta == item.end() || !meta->is_object()) return "";
  auto v = meta->find(key);
  return v != meta->end() && v->is_string() ? v->get<std::string>() : "";
}

// "Pod ns/name" or "Node name", as file mode names objects in its errors.
std::string objectLabel(std::string_view kind, const json& item, bool namespaced) {
  std::string name = metaText(item, "name");
  if (name.empty()) name = "(unnamed)";
  if (namespaced) {
    std::string ns = metaText(item, "namespace");
    name = (ns.empty() ? std::string("default") : ns) + "/" + name;
  }
  return std::string(kind) + " " + name;
}

// status.capacity of a Node, for NodePool limits; allocatable when it is missing or unreadable.
api::ResourceList nodeCapacity(const json& item, const api::Node& node) {
  if (item.is_object()) {
    auto status = item.find("status");
    if (status != item.end() && status->is_object()) {
      if (auto cap = status->find("capacity"); cap != status->end()) {
        if (auto rl = api::decodeResourceList(*cap, "status.capacity")) return *rl;
      }
    }
  }
  return node.allocatable;
}

void addUsage(ClusterState& state, const std::string& pool, const api::ResourceList& capacity) {
  if (pool.empty()) return;
  api::ResourceList& usage = state.nodePoolUsage[pool];
  usage += capacity;
  usage.set(api::resource::kNodes, usage.get(api::resource::kNodes) + api::Quantity::fromValue(1));
}

void charge(api::Node& node, const api::Pod& pod) {
  node.requested += pod.requests;
  node.pods.emplace_back(pod.key(), pod.labels);
  node.hostPorts.insert(node.hostPorts.end(), pod.hostPorts.begin(), pod.hostPorts.end());
}

}  // namespace

ClusterReader::ClusterReader(kube::RestClient& client, ClusterReaderOptions options)
    : client_(client), options_(std::move(options)) {}

Result<std::vector<json>> ClusterReader::list(const kube::ResourcePath& path,
                                              const std::string& fieldSelector, bool optional) {
  auto result = client_.listAll(path, {.fieldSelector = fieldSelector, .limit = options_.pageSize});
  if (!result) {
    if (optional && result.error().isNotFound()) return std::vector<json>{};
    return fail(result.error());
  }
  return std::move(result->items);
}

Result<ClusterState> ClusterReader::read() {
  ClusterState state;
  workload::Workload& work = state.workload;
  auto decodeError = [&](std::string object, const api::FieldError& e) {
    work.errors.push_back({options_.source, std::move(object), e.field, e.message});
  };

  auto nodes = list(kNodes, "", false);
  if (!nodes) return fail(nodes.error());
  std::map<std::string, size_t, std::less<>> nodeIndex;
  std::set<std::string, std::less<>> nodeNames;
  std::vector<api::ResourceList> capacities;
  for (const json& item : *nodes) {
    auto node = api::decodeNode(item);
    if (!node) {
      decodeError(objectLabel("Node", item, false), node.error());
      continue;
    }
    if (node->nodePool.empty()) {
      if (auto it = node->labels.find(api::label::kKarpenterNodePool); it != node->labels.end()) {
        node->nodePool = it->second;
      }
    }
    nodeNames.insert(node->name);
    nodeIndex[node->name] = work.nodes.size();
    capacities.push_back(nodeCapacity(item, *node));
    work.nodes.push_back(std::move(*node));
  }

  auto pods = list(kPods, kLivePods, false);
  if (!pods) return fail(pods.error());
  for (const json& item : *pods) {
    auto pod = api::decodePod(item);
    if (!pod) {
      decodeError(objectLabel("Pod", item, true), pod.error());
      continue;
    }
    ++state.podsListed;
    switch (classifyPendingPod(*pod, nodeNames)) {
      case PodVerdict::kProvisionable:
        work.pods.push_back(std::move(*pod));
        break;
      case PodVerdict::kBound:
        // Terminating pods count too: they hold their room until the kubelet lets it go.
        if (auto it = nodeIndex.find(pod->nodeName); it != nodeIndex.end()) {
          charge(work.nodes[it->second], *pod);
        }
        break;
      case PodVerdict::kNominated:
        // Preemption is evicting room for it there: count it so nothing else is planned into it.
        charge(work.nodes[nodeIndex.at(pod->nominatedNodeName)], *pod);
        break;
      default:
        break;
    }
  }

  auto daemonSets = list(kDaemonSets, "", false);
  if (!daemonSets) return fail(daemonSets.error());
  for (json& item : *daemonSets) {
    // List items carry no kind; the expander dispatches on it.
    if (!item.is_object()) continue;
    item["apiVersion"] = "apps/v1";
    item["kind"] = "DaemonSet";
    workload::expandObject(item, options_.source, work);
  }

  std::set<std::string, std::less<>> poolNames;
  for (const auto* path : {&kGantryNodePools, &kKarpenterNodePools}) {
    auto pools = list(*path, "", true);
    if (!pools) return fail(pools.error());
    for (const json& item : *pools) {
      auto pool = api::decodeNodePool(item);
      if (!pool) {
        decodeError(objectLabel("NodePool", item, false), pool.error());
        continue;
      }
      // During a move from Karpenter both may exist; the gantry.dev pool of a name wins.
      if (!poolNames.insert(pool->name).second) continue;
      work.nodePools.push_back(std::move(*pool));
    }
  }

  // Node classes, for what each pool's nodes cost besides the instance (volumes, address).
  // Decoded by the expander, as file mode does, so errors read alike.
  std::set<std::string, std::less<>> classNames;
  for (const auto* path : {&kGantryNodeClasses, &kKarpenterNodeClasses}) {
    auto classes = list(*path, "", true);
    if (!classes) return fail(classes.error());
    for (json& item : *classes) {
      if (!item.is_object()) continue;
      // As with pools, the gantry.dev class of a name wins over Karpenter's.
      if (!classNames.insert(metaText(item, "name")).second) continue;
      item["apiVersion"] = path->group + "/v1";
      item["kind"] = "EC2NodeClass";
      workload::expandObject(item, options_.source, work);
    }
  }

  for (size_t i = 0; i < work.nodes.size(); ++i) addUsage(state, work.nodes[i].nodePool, capacities[i]);

  auto claims = list(kNodeClaims, "", true);
  if (!claims) return fail(claims.error());
  for (const json& item : *claims) {
    auto claim = decodeNodeClaimView(item, options_.catalog.get());
    if (!claim) {
      decodeError(objectLabel("NodeClaim", item, false), claim.error());
      continue;
    }
    if (claim->deleting) continue;
    if (auto it = nodeIndex.find(claim->nodeName); !claim->nodeName.empty() && it != nodeIndex.end()) {
      // Registered but not initialized: the Node may not be Ready yet, or may still miss its
      // device-plugin resources (nvidia.com/gpu). The claim knows what is coming.
      api::Node& node = work.nodes[it->second];
      if (!claim->initialized) {
        node.inFlight = true;
        for (const auto& [name, q] : claim->node.allocatable.entries()) {
          if (node.allocatable.get(name).isZero()) node.allocatable.set(name, q);
        }
      }
      continue;
    }
    addUsage(state, claim->node.nodePool, claim->capacity);
    work.nodes.push_back(std::move(claim->node));
    ++state.claimsInFlight;
  }
  return state;
}

binpack::Snapshot snapshotOf(const ClusterState& state, const std::string& region) {
  binpack::Snapshot snap = snapshotOf(state.workload, region);
  snap.nodePoolUsage = state.nodePoolUsage;
  return snap;
}

}  // namespace gantry::provisioner
