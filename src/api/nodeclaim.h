// gantry.dev/v1 NodeClaim: Gantry's record of one node it launches, in Karpenter v1's field
// layout. The provisioner creates it (intent before any cloud call), the lifecycle controller
// fills its status as the instance is launched, registers and initializes, and termination
// removes it. This header holds the model, its condition helpers, and the JSON decoder and
// encoders the Kubernetes client exchanges it with (deploy/crds/gantry.dev_nodeclaims.yaml).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "src/api/condition.h"
#include "src/api/decode.h"
#include "src/api/labels.h"
#include "src/api/resources.h"
#include "src/api/taints.h"
#include "src/common/clock.h"

namespace gantry::api {

namespace nodeclaim {
inline constexpr std::string_view kApiVersion = "gantry.dev/v1";
inline constexpr std::string_view kKind = "NodeClaim";
// Condition types, in the order a healthy claim passes them.
inline constexpr std::string_view kLaunched = "Launched";      // the cloud instance exists
inline constexpr std::string_view kRegistered = "Registered";  // its Node joined the cluster
inline constexpr std::string_view kInitialized =
    "Initialized";  // Ready, startup taints gone, extended resources registered
inline constexpr std::string_view kReady = "Ready";  // all of the above hold
// Disruption-side conditions.
inline constexpr std::string_view kDrifted = "Drifted";
inline constexpr std::string_view kEmpty = "Empty";
inline constexpr std::string_view kConsolidatable = "Consolidatable";
inline constexpr std::string_view kDisrupting = "Disrupting";
// Held until the instance is gone, so deleting a claim always terminates its instance.
inline constexpr std::string_view kTerminationFinalizer = "gantry.dev/termination";
// Annotations. A gang's claims (TFJob/PyTorchJob replicas that start together or not at all)
// carry the gang's launch group name and size: the lifecycle launches them as one group.
inline constexpr std::string_view kGangAnnotation = "gantry.dev/gang";
inline constexpr std::string_view kGangSizeAnnotation = "gantry.dev/gang-size";
// Why a disruption controller deleted the claim ("Empty", "Expired", ...), for the
// termination's Events, logs and metrics.
inline constexpr std::string_view kDisruptionReasonAnnotation = "gantry.dev/disruption-reason";
// On a pod, Node or NodeClaim: voluntary disruption leaves that node alone (Karpenter's
// karpenter.sh/do-not-disrupt is honoured too).
inline constexpr std::string_view kDoNotDisruptAnnotation = "gantry.dev/do-not-disrupt";
inline constexpr std::string_view kKarpenterDoNotDisruptAnnotation = "karpenter.sh/do-not-disrupt";
}  // namespace nodeclaim

// spec.nodeClassRef: group "gantry.dev", kind "EC2NodeClass", the class's name.
struct NodeClassRef {
  std::string group;
  std::string kind;
  std::string name;
  friend bool operator==(const NodeClassRef&, const NodeClassRef&) = default;
};

// metadata.ownerReferences[] (a NodeClaim is owned by its NodePool).
struct OwnerReference {
  std::string apiVersion;
  std::string kind;
  std::string name;
  std::string uid;
  bool controller = false;
  bool blockOwnerDeletion = false;
  friend bool operator==(const OwnerReference&, const OwnerReference&) = default;
};

struct NodeClaim {
  // metadata. name, uid, resourceVersion, generation and the timestamps are the server's:
  // empty/0/nullopt in an object not created yet.
  std::string name;
  std::string uid;
  std::string resourceVersion;
  int64_t generation = 0;
  Labels labels;  // gantry.dev/nodepool, instance type, zone, capacity type once known
  Labels annotations;
  std::vector<std::string> finalizers;
  std::vector<OwnerReference> ownerReferences;
  std::optional<Clock::TimePoint> creationTimestamp;
  std::optional<Clock::TimePoint> deletionTimestamp;  // set: being deleted

  // spec (immutable once created; the CRD refuses changes).
  NodeClassRef nodeClassRef;
  std::vector<Requirement> requirements;
  // Karpenter's requirements[].minValues, by requirement key (at most one per key).
  std::map<std::string, int32_t, std::less<>> minValues;
  ResourceList resourceRequests;  // spec.resources.requests
  std::vector<Taint> taints;
  std::vector<Taint> startupTaints;
  std::string expireAfter = "720h";    // Go-style duration ("720h", "1h30m") or "Never"
  std::string terminationGracePeriod;  // "" when unset

  // status
  std::string providerId;  // aws:///<zone>/<instance id>
  std::string imageId;
  std::string nodeName;
  ResourceList capacity;
  ResourceList allocatable;
  std::optional<Clock::TimePoint> lastPodEventTime;
  std::vector<Condition> conditions;

  // The value of the gantry.dev/nodepool label, "" when absent. Valid while the labels are.
  const std::string& nodePool() const;
  bool deleting() const { return deletionTimestamp.has_value(); }
  bool hasFinalizer(std::string_view finalizer) const;

  const Condition* condition(std::string_view type) const {
    return findCondition(conditions, type);
  }
  bool isTrue(std::string_view type) const { return isConditionTrue(conditions, type); }
  // setCondition() of condition.h on this claim's conditions, with observedGeneration set to
  // this claim's generation. Returns true when the status changed.
  bool setCondition(std::string_view type, ConditionStatus status, std::string reason,
                    std::string message, Clock::TimePoint now);
};

// A Karpenter duration ("720h", "1h30m", "90s", "0s"): one or more <integer><h|m|s> groups.
// "Never" gives nullopt. kInvalid on anything else, or a value over ~292 years.
Result<std::optional<Clock::Duration>> parseNodeDuration(std::string_view text);

// Decodes a NodeClaim object (gantry.dev/v1 or karpenter.sh/v1). Hostile input gives a
// FieldError naming the path ("spec.requirements[2].operator"); unknown fields are ignored.
// Required: metadata.name, spec, spec.nodeClassRef.name. Defaults: expireAfter "720h".
DecodeResult<NodeClaim> decodeNodeClaim(const nlohmann::json& object);

// The whole object (apiVersion, kind, metadata, spec, status) for a create or an update.
// Server-owned metadata (uid, resourceVersion, generation, timestamps) is written only when
// set, so an object built in memory encodes as a valid create body; empty fields are left
// out. decodeNodeClaim(encodeNodeClaim(c)) == c for any decoded claim.
nlohmann::json encodeNodeClaim(const NodeClaim& claim);

// The `status` object alone, as encodeNodeClaim writes it.
nlohmann::json encodeNodeClaimStatus(const NodeClaim& claim);

// A merge-patch body for the status subresource (PATCH .../nodeclaims/<name>/status,
// application/merge-patch+json): {"metadata": {"resourceVersion"}, "status": {...}} with every
// status field written (null for empty ones, so stale values are cleared). With a
// resourceVersion the apiserver refuses the patch (Conflict) when the claim changed since.
nlohmann::json nodeClaimStatusPatch(const NodeClaim& claim);

}  // namespace gantry::api
