// The liveness step. The instance is terminated before the claim is deleted: a claim deleted
// first would leave the instance to garbage collection.
#include "provisioner/nodeclaim/liveness.h"

#include <spdlog/spdlog.h>

#include "src/common/crash_point.h"
#include "src/common/logging.h"

namespace gantry::provisioner::nodeclaim {

namespace {
namespace nc = api::nodeclaim;

spdlog::logger& log() {
  static auto logger = componentLogger("nodeclaim");
  return *logger;
}
}  // namespace

Result<StepResult> Liveness::reconcile(api::NodeClaim& claim) {
  if (claim.isTrue(nc::kRegistered)) {
    auto node = ctx_.nodeOf(claim);
    if (node != nullptr && !node->deleting) return StepResult{};
    Status deleted = ctx_.deleteClaim(
        claim, "NodeDeleted", "Node " + claim.nodeName + " was deleted; deleting its NodeClaim");
    if (!deleted.isOk()) return fail(deleted);
    return StepResult{.halt = true, .deleted = true};
  }
  const api::Condition* launched = claim.condition(nc::kLaunched);
  if (launched == nullptr) return StepResult{.halt = true};
  const Clock::TimePoint deadline = launched->lastTransitionTime + ctx_.options.registrationTtl;
  const Clock::TimePoint now = ctx_.clock.now();
  if (now < deadline) return StepResult{.requeue = deadline - now, .halt = true};

  // kNotFound: already gone, which is what we want.
  if (!claim.providerId.empty()) {
    Status terminated = ctx_.cloud.deleteInstance(claim.providerId);
    if (!terminated.isOk() && !terminated.isNotFound() && !terminated.isInvalid()) {
      return fail(terminated);
    }
    crashPoint("liveness.after-instance-terminate");  // the claim not deleted yet
  }
  log().warn("terminating unregistered nodeclaim name={} provider_id={} ttl={}", claim.name,
             claim.providerId, formatSeconds(ctx_.options.registrationTtl));
  Status deleted =
      ctx_.deleteClaim(claim, "RegistrationTimeout",
                       "No Node registered within " + formatSeconds(ctx_.options.registrationTtl) +
                           " of launch; instance terminated and NodeClaim deleted");
  if (!deleted.isOk()) return fail(deleted);
  return StepResult{.halt = true, .deleted = true};
}

}  // namespace gantry::provisioner::nodeclaim
