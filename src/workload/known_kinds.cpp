// The kind tables. Non-workload kinds are matched by name only: their API groups move
// between versions (policy/v1beta1 -> policy/v1) and a name from these lists means the same
// thing in every group it has lived in.
#include "src/workload/known_kinds.h"

#include <algorithm>
#include <array>

namespace gantry::workload {

namespace {

constexpr std::array<std::string_view, 9> kPodCreatingKinds = {
    "Deployment", "ReplicaSet", "StatefulSet", "ReplicationController", "Job",
    "CronJob",    "DaemonSet",  "Experiment",  "Pod"};

constexpr std::array kNonWorkloadKinds = std::to_array<std::string_view>({
    // core/v1
    "ConfigMap", "Secret", "Service", "ServiceAccount", "Namespace", "Endpoints",
    "PersistentVolume", "PersistentVolumeClaim", "LimitRange", "ResourceQuota", "Event",
    "PodTemplate", "ComponentStatus", "Binding",
    // rbac.authorization.k8s.io
    "Role", "RoleBinding", "ClusterRole", "ClusterRoleBinding",
    // networking, discovery, gateway
    "Ingress", "IngressClass", "NetworkPolicy", "EndpointSlice", "Gateway", "GatewayClass",
    "HTTPRoute", "GRPCRoute",
    // policy, scheduling, autoscaling, coordination, node
    "PodDisruptionBudget", "PodSecurityPolicy", "PriorityClass", "HorizontalPodAutoscaler",
    "VerticalPodAutoscaler", "Lease", "RuntimeClass", "ControllerRevision",
    // storage
    "StorageClass", "VolumeAttachment", "CSIDriver", "CSINode", "CSIStorageCapacity",
    "VolumeSnapshot", "VolumeSnapshotClass", "VolumeSnapshotContent",
    // admission, API extension, certificates, flow control
    "MutatingWebhookConfiguration", "ValidatingWebhookConfiguration",
    "ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding",
    "CustomResourceDefinition", "APIService", "CertificateSigningRequest", "FlowSchema",
    "PriorityLevelConfiguration",
    // Gantry / Karpenter objects other than NodePool and EC2NodeClass, gang-scheduling groups
    "NodeClaim", "PodGroup",
});

template <size_t N>
bool contains(const std::array<std::string_view, N>& table, std::string_view kind) {
  return std::find(table.begin(), table.end(), kind) != table.end();
}

}  // namespace

bool isPlannedKind(std::string_view apiVersion, std::string_view kind) {
  if (contains(kPodCreatingKinds, kind) || kind == "NodePool" || kind == "EC2NodeClass" ||
      kind == "Node") {
    return true;
  }
  // Kubeflow training jobs: TFJob, PyTorchJob, MPIJob, XGBoostJob, PaddleJob, JAXJob, ...
  return apiVersion.starts_with("kubeflow.org/") && kind.ends_with("Job");
}

bool isKnownNonWorkloadKind(std::string_view, std::string_view kind) {
  return contains(kNonWorkloadKinds, kind);
}

}  // namespace gantry::workload
