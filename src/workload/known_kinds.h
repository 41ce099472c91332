// Which manifest kinds `gantry plan` understands. A chart or a `kubectl get ... -o yaml`
// dump mixes workloads with everything around them; the ones that never create pods are
// skipped quietly, while a kind Gantry does not know at all may be a workload it would
// miss (an operator's custom resource), so the caller reports it.
#pragma once

#include <string_view>

namespace gantry::workload {

// Kinds the expander turns into pods, DaemonSet overhead, NodePools, EC2NodeClasses or Nodes
// (expander.h).
bool isPlannedKind(std::string_view apiVersion, std::string_view kind);

// Kinds known to create no pods by themselves: core configuration and networking
// (ConfigMap, Secret, Service, Namespace, ...), RBAC, storage, policy, admission, API
// extension (CustomResourceDefinition, APIService), Gantry's and Karpenter's own NodeClaim,
// and gang-scheduling PodGroups.
bool isKnownNonWorkloadKind(std::string_view apiVersion, std::string_view kind);

}  // namespace gantry::workload
