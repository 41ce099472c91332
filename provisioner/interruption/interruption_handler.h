// What Gantry does about one parsed interruption event (Karpenter's interruption controller,
// handleMessage): find the NodeClaims of the instances it names, fence their Nodes
// (gantry.dev/disrupted:NoSchedule and cordon, as every disruption does), remember a
// reclaimed spot offering as unavailable so the next launch picks another pool, and delete
// the claim with reason Interrupted. The NodeClaim's termination finalizer drains the Node
// and terminates the instance; the provisioner plans the pods of an Interrupted claim's Node
// at once (provisioning/interrupted_pods.h), so the replacement launches while the drain
// runs. Rebalance recommendations are only logged and counted (Karpenter's default).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "cloudprovider/aws/interruption_message.h"
#include "provisioner/interruption/interruption_metrics.h"
#include "provisioner/metrics.h"
#include "provisioner/nodeclaim/cluster_access.h"
#include "src/api/instance_type.h"
#include "src/common/status.h"
#include "src/kube/event_recorder.h"

namespace gantry::provisioner::interruption {

// Marks an offering unavailable (the EC2 provider's UnavailableOfferings::mark in the
// controller). Must be thread-safe.
using MarkUnavailable = std::function<void(api::CapacityType capacityType,
                                           const std::string& instanceType,
                                           const std::string& zone, const std::string& reason)>;

// The NodeClaims of a cluster by the EC2 instance id in their providerID, built once per
// received batch so a batch of ten does not scan every claim ten times.
class ClaimsByInstance {
 public:
  // The instance id in a providerID, or an error when it names none.
  using InstanceIdOf = std::function<Result<std::string>(std::string_view providerId)>;
  // Claims whose providerID is not an aws:/// one are left out.
  explicit ClaimsByInstance(const std::vector<std::shared_ptr<const api::NodeClaim>>& claims);
  // The same with another cloud's providerIDs (the simulator's sim:///<zone>/<id>).
  ClaimsByInstance(const std::vector<std::shared_ptr<const api::NodeClaim>>& claims,
                   const InstanceIdOf& instanceIdOf);
  // The claim of `instanceId`, or null.
  std::shared_ptr<const api::NodeClaim> find(const std::string& instanceId) const;

 private:
  std::map<std::string, std::shared_ptr<const api::NodeClaim>> byInstance_;
};

// What handling one message came to: its metric `action` (interruption_metrics.h kAction*)
// and the claims handed to termination.
struct HandleOutcome {
  std::string action;
  std::vector<std::string> claims;
};

// Thread-safe: messages of one batch are handled concurrently. References (and metrics /
// disruptionMetrics when non-null) outlive the handler.
class InterruptionHandler {
 public:
  InterruptionHandler(const nodeclaim::LifecycleReader& reader, nodeclaim::LifecycleWriter& writer,
                      kube::EventRecorder& events, MarkUnavailable markUnavailable,
                      ProvisionerMetrics* disruptionMetrics = nullptr);

  // Acts on `message` for the instances `claims` knows. Idempotent: a message handled twice
  // (its delete failed, SQS delivered it twice) finds the claim deleting and only fences and
  // marks again. A state change of an instance whose claim is already deleting (most often
  // Gantry's own termination reported back) is action none, without Events.
  // Errors (the message must stay on the queue and be retried): the apiserver's
  // kinds when a fence, annotation or delete could not be written; kNotFound never (a claim or
  // Node gone meanwhile is done).
  Result<HandleOutcome> handle(const cloudprovider::aws::InterruptionMessage& message,
                               const ClaimsByInstance& claims);

 private:
  // Fences, marks and deletes one claim. OK when it is deleting afterwards.
  Status interrupt(const cloudprovider::aws::InterruptionMessage& message,
                   const api::NodeClaim& claim);
  Status fence(const std::string& nodeName);
  void markOffering(const api::NodeClaim& claim, const std::string& instanceId);
  void tell(const api::NodeClaim& claim, kube::EventType type, const std::string& reason,
            const std::string& message);

  const nodeclaim::LifecycleReader& reader_;
  nodeclaim::LifecycleWriter& writer_;
  kube::EventRecorder& events_;
  MarkUnavailable markUnavailable_;
  ProvisionerMetrics* disruptionMetrics_;
};

}  // namespace gantry::provisioner::interruption
