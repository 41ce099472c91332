// The expiration step. It runs first in the chain, for a claim in any state: a claim stuck
// launching or registering past its lifetime is as expired as a running one.
#include "provisioner/nodeclaim/expiration.h"

#include <spdlog/spdlog.h>

#include "src/common/logging.h"

namespace gantry::provisioner::nodeclaim {

namespace {
namespace nc = api::nodeclaim;
using json = nlohmann::json;

spdlog::logger& log() {
  static auto logger = componentLogger("nodeclaim");
  return *logger;
}
}  // namespace

std::optional<Clock::TimePoint> expiresAt(const api::NodeClaim& claim) {
  if (!claim.creationTimestamp) return std::nullopt;
  auto after = api::parseNodeDuration(claim.expireAfter.empty() ? "720h" : claim.expireAfter);
  if (!after || !*after) return std::nullopt;
  return *claim.creationTimestamp + **after;
}

Result<StepResult> Expiration::reconcile(api::NodeClaim& claim) {
  const auto at = expiresAt(claim);
  if (!at) return StepResult{};
  const auto now = ctx_.clock.now();
  if (now < *at) {
    if (*at - now <= std::chrono::hours(1)) return StepResult{.requeue = *at - now};
    return StepResult{};
  }
  // The reason first: termination reads it off the deleting claim for its Event and metric.
  Status annotated = ctx_.writer.patchNodeClaim(
      claim.name, json{{"metadata",
                        {{"annotations", {{std::string(nc::kDisruptionReasonAnnotation),
                                           "Expired"}}}}}});
  if (annotated.isNotFound()) return StepResult{.halt = true, .deleted = true};
  if (!annotated.isOk()) return fail(annotated);
  const std::string message = "NodeClaim expired: created " +
                              api::formatTimestamp(*claim.creationTimestamp) +
                              " with expireAfter " + claim.expireAfter +
                              "; deleting it (not subject to budgets or do-not-disrupt)";
  log().info("expiring nodeclaim nodeclaim={} node={} nodepool={} expire_after={}", claim.name,
             claim.nodeName, claim.nodePool(), claim.expireAfter);
  if (auto node = ctx_.nodeOf(claim)) {
    ctx_.events.record({.kind = "Node", .name = node->name, .apiVersion = "v1"},
                       kube::EventType::kNormal, "Expired", message);
  }
  Status deleted = ctx_.deleteClaim(claim, "Expired", message);
  if (!deleted.isOk()) return fail(deleted);
  // Counted once deleted, so a failed delete retried is not counted twice.
  if (ctx_.metrics) ctx_.metrics->disrupted(claim.nodePool(), "Expired");
  return StepResult{.halt = true, .deleted = true};
}

}  // namespace gantry::provisioner::nodeclaim
