// Handling one event. The order is Karpenter's: tell (Events), fence, mark the offering,
// delete. The fence comes before the delete so that nothing new is scheduled onto the node
// between the warning and the drain, and the delete carries reason Interrupted, which the
// provisioner reads to plan the node's pods at once and termination reports.
#include "provisioner/interruption/interruption_handler.h"

#include <spdlog/spdlog.h>

#include "cloudprovider/aws/provider_id.h"
#include "provisioner/nodeclaim/drain.h"
#include "provisioner/provisioning/interrupted_pods.h"
#include "src/api/well_known_labels.h"
#include "src/common/logging.h"

namespace gantry::provisioner::interruption {

namespace {

namespace aws = cloudprovider::aws;
namespace nc = api::nodeclaim;
using json = nlohmann::json;
using aws::InterruptionKind;

// The reason every disruption writes on the claim and names in its Events and metrics.
const std::string kInterrupted{kInterruptedReason};

spdlog::logger& log() {
  static auto logger = componentLogger("interruption");
  return *logger;
}

std::string labelOf(const api::Labels& labels, std::string_view key) {
  auto it = labels.find(key);
  return it == labels.end() ? "" : it->second;
}

// The Event reason and text saying what AWS told us, as Karpenter words them.
std::pair<std::string, std::string> received(const aws::InterruptionMessage& m,
                                             const std::string& instanceId) {
  switch (m.kind) {
    case InterruptionKind::kSpotInterruption:
      return {"SpotInterrupted", "Spot interruption warning for instance " + instanceId +
                                     (m.action.empty() ? "" : " (" + m.action + ")")};
    case InterruptionKind::kStateChange:
      return {m.state == "stopping" || m.state == "stopped" ? "InstanceStopping"
                                                             : "InstanceTerminating",
              "Instance " + instanceId + " is " + m.state};
    case InterruptionKind::kScheduledChange:
      return {"InstanceUnhealthy",
              "AWS Health scheduled change " +
                  (m.eventTypeCode.empty() ? std::string("(no code)") : m.eventTypeCode) +
                  " for instance " + instanceId};
    case InterruptionKind::kRebalanceRecommendation:
    case InterruptionKind::kNoop: break;
  }
  return {"Interrupted", "Interruption event for instance " + instanceId};
}

bool actsOn(InterruptionKind kind) {
  return kind == InterruptionKind::kSpotInterruption || kind == InterruptionKind::kStateChange ||
         kind == InterruptionKind::kScheduledChange;
}

}  // namespace

ClaimsByInstance::ClaimsByInstance(
    const std::vector<std::shared_ptr<const api::NodeClaim>>& claims)
    : ClaimsByInstance(claims, [](std::string_view providerId) {
        return aws::instanceIdFromProviderId(providerId);
      }) {}

ClaimsByInstance::ClaimsByInstance(
    const std::vector<std::shared_ptr<const api::NodeClaim>>& claims,
    const InstanceIdOf& instanceIdOf) {
  for (const auto& claim : claims) {
    if (claim == nullptr || claim->providerId.empty()) continue;  // not launched yet
    auto id = instanceIdOf(claim->providerId);
    if (id) byInstance_[*id] = claim;
  }
}

std::shared_ptr<const api::NodeClaim> ClaimsByInstance::find(const std::string& instanceId) const {
  auto it = byInstance_.find(instanceId);
  return it == byInstance_.end() ? nullptr : it->second;
}

InterruptionHandler::InterruptionHandler(const nodeclaim::LifecycleReader& reader,
                                         nodeclaim::LifecycleWriter& writer,
                                         kube::EventRecorder& events,
                                         MarkUnavailable markUnavailable,
                                         ProvisionerMetrics* disruptionMetrics)
    : reader_(reader), writer_(writer), events_(events),
      markUnavailable_(std::move(markUnavailable)), disruptionMetrics_(disruptionMetrics) {}

Result<HandleOutcome> InterruptionHandler::handle(const aws::InterruptionMessage& message,
                                                  const ClaimsByInstance& claims) {
  HandleOutcome outcome{.action = kActionNotOwned, .claims = {}};
  const std::string kind(aws::toString(message.kind));
  if (message.kind == InterruptionKind::kNoop) {
    log().debug("ignoring interruption event event_id={} source={} detail_type=\"{}\"",
                message.eventId, message.source, message.detailType);
    outcome.action = kActionNone;
    return outcome;
  }
  std::optional<Status> firstError;
  for (const std::string& instanceId : message.instanceIds) {
    auto claim = claims.find(instanceId);
    if (claim == nullptr) {
      // Another cluster's instance (the queue may serve several), or one we never launched.
      log().debug("interruption event for an instance without a nodeclaim kind={} instance={} "
                  "event_id={}",
                  kind, instanceId, message.eventId);
      continue;
    }
    if (!actsOn(message.kind)) {
      // Rebalance recommendation: the spot pool is at risk, not this node yet. Karpenter's
      // default is to note it; replacing on every recommendation churns nodes for nothing.
      log().info("received rebalance recommendation nodeclaim={} node={} instance={}", claim->name,
                 claim->nodeName, instanceId);
      if (outcome.action != kActionCordonAndDrain) outcome.action = kActionNone;
      continue;
    }
    if (message.kind == InterruptionKind::kStateChange && claim->deleting()) {
      // Most likely our own termination reported back (shutting-down, terminated): nothing
      // to tell or do.
      log().debug("state change of an instance being terminated nodeclaim={} instance={} state={}",
                  claim->name, instanceId, message.state);
      if (outcome.action != kActionCordonAndDrain) outcome.action = kActionNone;
      continue;
    }
    const auto [reason, text] = received(message, instanceId);
    log().info("received interruption kind={} nodeclaim={} node={} instance={} event_id={}", kind,
               claim->name, claim->nodeName, instanceId, message.eventId);
    tell(*claim, kube::EventType::kWarning, reason, text);
    if (message.kind == InterruptionKind::kSpotInterruption) markOffering(*claim, instanceId);
    if (Status s = interrupt(message, *claim); !s.isOk()) {
      log().warn("cannot hand interrupted node to termination nodeclaim={} node={} error={}",
                 claim->name, claim->nodeName, s.toString());
      if (!firstError) firstError = s.withContext("nodeclaim " + claim->name);
      continue;
    }
    outcome.action = kActionCordonAndDrain;
    outcome.claims.push_back(claim->name);
  }
  if (firstError) return fail(*firstError);
  return outcome;
}

Status InterruptionHandler::interrupt(const aws::InterruptionMessage& message,
                                      const api::NodeClaim& claim) {
  // The cache may lag: the claim as it is now decides whether there is anything left to do.
  auto current = reader_.nodeClaim(claim.name);
  const api::NodeClaim& c = current ? *current : claim;
  const std::string nodeName = c.nodeName;
  if (!nodeName.empty()) {
    if (Status s = fence(nodeName); !s.isOk()) return s;
  }
  if (c.deleting()) {
    // Already on its way out (an earlier delivery, another disruption, a user): termination
    // drains it; the reason stays whatever that deletion said.
    log().info("interrupted nodeclaim already deleting nodeclaim={}", c.name);
    return Status::ok();
  }
  const json reason{{std::string(nc::kDisruptionReasonAnnotation), kInterrupted}};
  Status annotated =
      writer_.patchNodeClaim(c.name, json{{"metadata", {{"annotations", reason}}}});
  if (annotated.isNotFound()) return Status::ok();  // gone meanwhile: nothing to drain
  if (!annotated.isOk()) return annotated.withContext("annotating the disruption reason");
  Status deleted = writer_.deleteNodeClaim(c.name);
  if (deleted.isNotFound()) return Status::ok();
  if (!deleted.isOk()) return deleted.withContext("deleting the nodeclaim");
  const std::string what(aws::toString(message.kind));
  log().info("disrupting nodeclaim nodeclaim={} node={} nodepool={} reason={} kind={}", c.name,
             nodeName, c.nodePool(), kInterrupted, what);
  tell(c, kube::EventType::kNormal, "DisruptionTerminating",
       "Disrupting Node " + (nodeName.empty() ? std::string("(none)") : nodeName) + ": " +
           kInterrupted + " (" + what + "); its pods are provisioned for at once");
  if (disruptionMetrics_) disruptionMetrics_->disrupted(c.nodePool(), kInterrupted);
  return Status::ok();
}

Status InterruptionHandler::fence(const std::string& nodeName) {
  // A few tries: the kubelet's status updates move the resourceVersion the patch is
  // conditioned on.
  for (int attempt = 0;; ++attempt) {
    auto node = writer_.getNode(nodeName);
    if (!node) return node.error().isNotFound() ? Status::ok() : node.error();
    auto patch = nodeclaim::disruptedTaintPatch(*node);
    if (!patch) {
      // Malformed taints on the server's copy: the drain fences what it can; do not hold
      // the interruption back for it.
      log().warn("cannot fence interrupted node node={} error={}", nodeName,
                 patch.error().toString());
      return Status::ok();
    }
    if (patch->empty()) return Status::ok();
    Status s = writer_.patchNode(nodeName, *patch);
    if (s.isOk() || s.isNotFound()) return Status::ok();
    if (!s.isConflict() || attempt == 2) return s.withContext("fencing node " + nodeName);
  }
}

void InterruptionHandler::markOffering(const api::NodeClaim& claim, const std::string& instanceId) {
  // The claim's labels name the offering it launched on; a registered Node's labels too.
  std::string type = labelOf(claim.labels, api::label::kInstanceType);
  std::string zone = labelOf(claim.labels, api::label::kZone);
  if ((type.empty() || zone.empty()) && !claim.nodeName.empty()) {
    if (auto node = reader_.node(claim.nodeName)) {
      if (type.empty()) type = labelOf(node->labels, api::label::kInstanceType);
      if (zone.empty()) zone = labelOf(node->labels, api::label::kZone);
    }
  }
  if (type.empty() || zone.empty() || !markUnavailable_) {
    log().warn("cannot mark spot offering unavailable nodeclaim={} instance={}: instance type or "
               "zone unknown",
               claim.name, instanceId);
    return;
  }
  // Spot, whatever the claim says: only spot capacity is reclaimed with this warning.
  markUnavailable_(api::CapacityType::kSpot, type, zone, "SpotInterruption");
  log().info("marked offering unavailable capacity_type=spot instance_type={} zone={} "
             "reason=SpotInterruption",
             type, zone);
}

void InterruptionHandler::tell(const api::NodeClaim& claim, kube::EventType type,
                               const std::string& reason, const std::string& message) {
  events_.record({.kind = std::string(nc::kKind),
                  .name = claim.name,
                  .uid = claim.uid,
                  .apiVersion = std::string(nc::kApiVersion)},
                 type, reason, message);
  if (!claim.nodeName.empty()) {
    events_.record({.kind = "Node", .name = claim.nodeName, .apiVersion = "v1"}, type, reason,
                   message);
  }
}

}  // namespace gantry::provisioner::interruption
