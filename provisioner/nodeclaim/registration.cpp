// The registration step. The cache's Node is a slim model, so adoption reads the server's
// copy and merges into its current lists.
#include "provisioner/nodeclaim/registration.h"

#include <spdlog/spdlog.h>

#include "provisioner/nodeclaim/node_adoption.h"
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

Result<StepResult> Registration::reconcile(api::NodeClaim& claim) {
  if (claim.isTrue(nc::kRegistered)) return StepResult{};
  // No Node with the claim's providerID yet: liveness (the registration TTL) decides.
  auto cached = ctx_.reader.nodeByProviderId(claim.providerId);
  if (cached == nullptr) return StepResult{};
  auto node = ctx_.writer.getNode(cached->name);
  if (!node) {
    // Deleted since the cache saw it: nothing to adopt; the next Node event brings us back.
    if (node.error().isNotFound()) return StepResult{};
    return fail(node.error());
  }
  auto patch = adoptionPatch(*node, claim, ctx_.reader.nodePool(claim.nodePool()).get());
  if (!patch) {
    ctx_.event(claim, kube::EventType::kWarning, "RegistrationFailed",
               "Node " + cached->name + " cannot be adopted: " + patch.error().message());
    return fail(patch.error());
  }
  if (!patch->empty()) {
    // kConflict: the kubelet updated the Node in between; the caller retries with fresh state.
    Status patched = ctx_.writer.patchNode(cached->name, *patch);
    if (!patched.isOk()) return fail(patched);
    crashPoint("registration.after-node-patch");  // the Node adopted, the claim not Registered
  }
  const auto now = ctx_.clock.now();
  claim.nodeName = cached->name;
  claim.setCondition(nc::kRegistered, api::ConditionStatus::kTrue, "Registered", "", now);
  if (!claim.condition(nc::kInitialized)) {
    claim.setCondition(nc::kInitialized, api::ConditionStatus::kUnknown, "AwaitingInitialization",
                       "Node not initialized yet", now);
  }
  log().info("registered nodeclaim name={} node={} provider_id={}", claim.name, cached->name,
             claim.providerId);
  ctx_.event(claim, kube::EventType::kNormal, "Registered",
             "Node " + cached->name + " registered");
  // Initialization reads the cached Node, which the adoption patch is about to change: the
  // informer's event for it brings the claim back.
  return StepResult{.halt = true};
}

}  // namespace gantry::provisioner::nodeclaim
