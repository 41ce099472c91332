// The scheduling-relevant view of a Pod: what it asks for (requests), where it may go
// (selectors, affinity, spread, tolerations) and who owns it (for gangs and GPU packing).
// Decoded from Kubernetes JSON by pod_decode.h; only the fields Gantry uses are kept.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "src/api/host_port.h"
#include "src/api/labels.h"
#include "src/api/resources.h"
#include "src/api/taints.h"

namespace gantry::api {

struct PodAffinityTerm {
  LabelSelector selector;
  std::vector<std::string> namespaces;  // empty: the pod's own namespace
  std::string topologyKey;
  friend bool operator==(const PodAffinityTerm&, const PodAffinityTerm&) = default;
};

struct WeightedPodAffinityTerm {
  int32_t weight = 0;
  PodAffinityTerm term;
  friend bool operator==(const WeightedPodAffinityTerm&, const WeightedPodAffinityTerm&) = default;
};

enum class UnsatisfiableAction { kDoNotSchedule, kScheduleAnyway };

struct TopologySpreadConstraint {
  int32_t maxSkew = 1;
  std::string topologyKey;
  UnsatisfiableAction whenUnsatisfiable = UnsatisfiableAction::kDoNotSchedule;
  LabelSelector selector;
  std::optional<int32_t> minDomains;
  friend bool operator==(const TopologySpreadConstraint&, const TopologySpreadConstraint&) = default;
};

// The controlling owner (ownerReferences[controller=true]), or the generator for pods that
// `plan` expands from a workload manifest.
struct OwnerRef {
  std::string kind;  // "Job", "ReplicaSet", "TFJob", "Experiment", ...
  std::string name;
  std::string uid;
  bool empty() const { return kind.empty() && name.empty(); }
  friend bool operator==(const OwnerRef&, const OwnerRef&) = default;
};

struct Pod {
  std::string ns = "default";
  std::string name;
  std::string uid;
  Labels labels;
  std::map<std::string, std::string, std::less<>> annotations;
  OwnerRef owner;
  // Pods that must start together or not at all (TFJob/PyTorchJob replicas, a PodGroup).
  // Empty when the pod is independent.
  std::string gang;

  // Effective requests: max(sum of containers, largest init container) + overhead; an
  // extended resource given only as a limit counts as its request.
  ResourceList requests;

  Labels nodeSelector;
  NodeSelector requiredNodeAffinity;
  std::vector<PreferredSchedulingTerm> preferredNodeAffinity;
  std::vector<PodAffinityTerm> requiredPodAffinity;
  std::vector<WeightedPodAffinityTerm> preferredPodAffinity;
  std::vector<PodAffinityTerm> requiredPodAntiAffinity;
  std::vector<WeightedPodAffinityTerm> preferredPodAntiAffinity;
  std::vector<TopologySpreadConstraint> topologySpread;
  std::vector<Toleration> tolerations;
  std::vector<HostPort> hostPorts;  // of spec.containers, in order
  std::vector<std::string> images;  // init containers' then containers', each once
  // A spec.volumes entry keeps data on the node itself (hostPath): moving the pod loses it,
  // so consolidation leaves its node alone. emptyDir is scratch space and does not count.
  bool localStorage = false;
  int32_t priority = 0;

  std::string nodeName;           // bound node, empty when pending
  std::string nominatedNodeName;  // status.nominatedNodeName
  std::string phase;              // Pending, Running, Succeeded, Failed, Unknown
  // Succeeded or Failed: the pod holds nothing any more and never will again.
  bool finished() const { return phase == "Succeeded" || phase == "Failed"; }
  std::string schedulerName;
  bool terminating = false;       // metadata.deletionTimestamp set
  bool schedulingGated = false;   // spec.schedulingGates non-empty
  bool unschedulable = false;     // PodScheduled=False with reason Unschedulable

  // "ns/name"
  std::string key() const { return ns + "/" + name; }
  // a.key() < b.key(), without building either key (sorts and searches by key are hot).
  friend bool keyLess(const Pod& a, const Pod& b);
  // a.key() < key.
  friend bool keyLess(const Pod& a, std::string_view key);
  // True when the pod asks for nvidia.com/gpu, amd.com/gpu or Neuron devices.
  bool needsAccelerator() const;
  // Whether the pod's required node constraints (nodeSelector + required affinity)
  // accept a node with these labels.
  bool nodeLabelsAllowed(const Labels& nodeLabels) const;
  // Every field (a solve's cached inputs compare DaemonSet templates).
  friend bool operator==(const Pod&, const Pod&) = default;
};


}  // namespace gantry::api
