// The dispatch of one reconcile over the claim's phase, plus liveness, claim deletion and the
// status write they share. Registration, initialization and termination live in files of
// their own.
#include "provisioner/nodeclaim/lifecycle_reconciler.h"

#include <spdlog/spdlog.h>

#include "src/common/logging.h"

namespace gantry::provisioner::nodeclaim {

namespace {

using api::ConditionStatus;
namespace nc = api::nodeclaim;

spdlog::logger& log() {
  static auto logger = componentLogger("nodeclaim");
  return *logger;
}

std::string formatDuration(Clock::Duration d) {
  return std::to_string(std::chrono::duration_cast<std::chrono::seconds>(d).count()) + "s";
}

}  // namespace

bool isExtendedResource(std::string_view name) {
  return name != "cpu" && name != "memory" && name != "pods" && name != "ephemeral-storage" &&
         !name.starts_with("hugepages-");
}

LifecycleReconciler::LifecycleReconciler(LifecycleReader& reader, LifecycleWriter& writer,
                                         cloudprovider::CloudProvider& cloud,
                                         kube::EventRecorder& events, Clock& clock,
                                         LifecycleOptions options)
    : reader_(reader), writer_(writer), cloud_(cloud), events_(events), clock_(clock),
      options_(options) {}

Result<Requeue> LifecycleReconciler::reconcile(const std::string& name) {
  auto claim = reader_.nodeClaim(name);
  if (claim == nullptr) return Requeue{};
  if (claim->deleting()) {
    if (!claim->hasFinalizer(nc::kTerminationFinalizer)) return Requeue{};
    return terminate(*claim);
  }
  // Before Launched the claim belongs to the provisioner.
  if (!claim->isTrue(nc::kLaunched)) return Requeue{};

  if (!claim->isTrue(nc::kRegistered)) {
    // No Node with the claim's providerID yet: the registration TTL decides.
    auto node = reader_.nodeByProviderId(claim->providerId);
    if (node == nullptr) return checkLiveness(*claim);
    return registerNode(*claim, *node);
  }

  // Registered: the Node must still be there. A Node a user deleted takes its claim with it
  // (the claim's finalizer then terminates the instance).
  auto node = nodeOf(*claim);
  if (node == nullptr || node->deleting) {
    return deleteClaim(*claim, "NodeDeleted",
                       "Node " + claim->nodeName + " was deleted; deleting its NodeClaim");
  }
  if (!claim->isTrue(nc::kInitialized) || !claim->isTrue(nc::kReady)) {
    return initialize(*claim, *node);
  }
  return Requeue{};
}

std::shared_ptr<const api::Node> LifecycleReconciler::nodeOf(const api::NodeClaim& claim) const {
  if (!claim.nodeName.empty()) {
    auto node = reader_.node(claim.nodeName);
    // A Node of the same name but another instance is not ours.
    if (node != nullptr && (claim.providerId.empty() || node->providerId == claim.providerId)) {
      return node;
    }
  }
  return reader_.nodeByProviderId(claim.providerId);
}

Result<Requeue> LifecycleReconciler::checkLiveness(const api::NodeClaim& claim) {
  const api::Condition* launched = claim.condition(nc::kLaunched);
  if (launched == nullptr) return Requeue{};
  const Clock::TimePoint deadline = launched->lastTransitionTime + options_.registrationTtl;
  const Clock::TimePoint now = clock_.now();
  if (now < deadline) return Requeue{deadline - now};

  // Terminate first: a claim deleted before its instance would leave the instance to garbage
  // collection. kNotFound: already gone, which is what we want.
  if (!claim.providerId.empty()) {
    Status terminated = cloud_.deleteInstance(claim.providerId);
    if (!terminated.isOk() && !terminated.isNotFound() && !terminated.isInvalid()) {
      return fail(terminated);
    }
  }
  log().warn("terminating unregistered nodeclaim name={} provider_id={} ttl={}", claim.name,
             claim.providerId, formatDuration(options_.registrationTtl));
  return deleteClaim(claim, "RegistrationTimeout",
                     "No Node registered within " + formatDuration(options_.registrationTtl) +
                         " of launch; instance terminated and NodeClaim deleted");
}

Result<Requeue> LifecycleReconciler::deleteClaim(const api::NodeClaim& claim,
                                                 const std::string& reason,
                                                 const std::string& message) {
  Status deleted = writer_.deleteNodeClaim(claim.name);
  if (!deleted.isOk() && !deleted.isNotFound()) return fail(deleted);
  event(claim, kube::EventType::kWarning, reason, message);
  // The deletion event brings the claim back with a deletionTimestamp (termination).
  return Requeue{};
}

Status LifecycleReconciler::writeStatus(const api::NodeClaim& updated) {
  return writer_.patchNodeClaimStatus(updated.name, api::nodeClaimStatusPatch(updated));
}

void LifecycleReconciler::event(const api::NodeClaim& claim, kube::EventType type,
                                const std::string& reason, const std::string& message) {
  events_.record({.kind = std::string(nc::kKind),
                  .name = claim.name,
                  .uid = claim.uid,
                  .apiVersion = std::string(nc::kApiVersion)},
                 type, reason, message);
}

}  // namespace gantry::provisioner::nodeclaim
