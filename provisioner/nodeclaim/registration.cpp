// Registration: the Node a kubelet registered for the claim's instance (matched by providerID)
// is adopted (labels, taints, owner and finalizer; node_adoption.h), then the claim records
// status.nodeName and Registered=True. The Node is written first so a claim never says
// Registered about a Node still carrying the unregistered taint.
#include <spdlog/spdlog.h>

#include "provisioner/nodeclaim/lifecycle_reconciler.h"
#include "provisioner/nodeclaim/node_adoption.h"
#include "src/common/logging.h"

namespace gantry::provisioner::nodeclaim {

namespace {
namespace nc = api::nodeclaim;

spdlog::logger& log() {
  static auto logger = componentLogger("nodeclaim");
  return *logger;
}
}  // namespace

Result<Requeue> LifecycleReconciler::registerNode(const api::NodeClaim& claim,
                                                  const api::Node& cached) {
  // The cache's Node is a slim model; the patch merges into the full, current lists.
  auto node = writer_.getNode(cached.name);
  if (!node) {
    // Deleted since the cache saw it: nothing to adopt; the next Node event brings us back.
    if (node.error().isNotFound()) return Requeue{};
    return fail(node.error());
  }
  auto patch = adoptionPatch(*node, claim, reader_.nodePool(claim.nodePool()).get());
  if (!patch) {
    event(claim, kube::EventType::kWarning, "RegistrationFailed",
          "Node " + cached.name + " cannot be adopted: " + patch.error().message());
    return fail(patch.error());
  }
  if (!patch->empty()) {
    // kConflict: the kubelet updated the Node in between; the caller retries with fresh state.
    Status patched = writer_.patchNode(cached.name, *patch);
    if (!patched.isOk()) return fail(patched);
  }

  api::NodeClaim updated = claim;
  updated.nodeName = cached.name;
  updated.setCondition(nc::kRegistered, api::ConditionStatus::kTrue, "Registered", "",
                       clock_.now());
  if (!updated.condition(nc::kInitialized)) {
    updated.setCondition(nc::kInitialized, api::ConditionStatus::kUnknown, "AwaitingInitialization",
                         "Node not initialized yet", clock_.now());
  }
  Status written = writeStatus(updated);
  if (!written.isOk()) return fail(written);
  log().info("registered nodeclaim name={} node={} provider_id={}", claim.name, cached.name,
             claim.providerId);
  event(claim, kube::EventType::kNormal, "Registered", "Node " + cached.name + " registered");
  // The status update comes back as an informer event, which runs initialization.
  return Requeue{};
}

}  // namespace gantry::provisioner::nodeclaim
