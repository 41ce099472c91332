// The termination finalizer (Karpenter's node/termination + nodeclaim/lifecycle termination):
// a deleted claim's Node is cordoned and deleted (our finalizer on it removed), its instance
// terminated through the CloudProvider until the cloud says it is gone (kNotFound), and only
// then is gantry.dev/termination removed from the claim, so deleting a claim can never leak an
// instance. Simple version: pods are not drained through the Eviction API first; they go
// when the Node object goes (the pod GC of kube-controller-manager deletes them).
#include <spdlog/spdlog.h>

#include "provisioner/nodeclaim/lifecycle_reconciler.h"
#include "provisioner/nodeclaim/node_adoption.h"
#include "src/common/logging.h"

namespace gantry::provisioner::nodeclaim {

namespace {
namespace nc = api::nodeclaim;
using json = nlohmann::json;

spdlog::logger& log() {
  static auto logger = componentLogger("nodeclaim");
  return *logger;
}

bool isDeleting(const json& node) {
  auto meta = node.find("metadata");
  if (meta == node.end() || !meta->is_object()) return false;
  auto ts = meta->find("deletionTimestamp");
  return ts != meta->end() && !ts->is_null();
}

bool isCordoned(const json& node) {
  auto spec = node.find("spec");
  if (spec == node.end() || !spec->is_object()) return false;
  auto u = spec->find("unschedulable");
  return u != spec->end() && u->is_boolean() && u->get<bool>();
}

// Treats "already gone" as done.
Status gone(Status s) { return s.isNotFound() ? Status::ok() : s; }

}  // namespace

Result<bool> LifecycleReconciler::releaseNode(const api::NodeClaim& claim) {
  auto cached = nodeOf(claim);
  if (cached == nullptr) return true;
  const std::string name = cached->name;
  auto node = writer_.getNode(name);
  if (!node) return node.error().isNotFound() ? Result<bool>(true) : fail(node.error());
  if (!isDeleting(*node)) {
    if (!isCordoned(*node)) {
      Status cordoned = gone(writer_.patchNode(name, json{{"spec", {{"unschedulable", true}}}}));
      if (!cordoned.isOk()) return fail(cordoned);
    }
    Status deleted = gone(writer_.deleteNode(name));
    if (!deleted.isOk()) return fail(deleted);
    log().info("deleting node name={} nodeclaim={}", name, claim.name);
    node = writer_.getNode(name);
    if (!node) return node.error().isNotFound() ? Result<bool>(true) : fail(node.error());
  }
  json patch = removeFinalizerPatch(*node, nc::kTerminationFinalizer);
  if (!patch.empty()) {
    Status released = gone(writer_.patchNode(name, patch));
    if (!released.isOk()) return fail(released);
  }
  // Other finalizers may hold the Node a while; the instance goes regardless (a Node whose
  // instance is gone is what the kubelet-less cloud leaves anyway).
  return true;
}

Result<Requeue> LifecycleReconciler::terminate(const api::NodeClaim& claim) {
  auto released = releaseNode(claim);
  if (!released) return fail(released.error());

  if (!claim.providerId.empty()) {
    Status terminated = cloud_.deleteInstance(claim.providerId);
    if (terminated.isOk()) {
      // Terminating: OK until the cloud reports it gone. Look again shortly.
      event(claim, kube::EventType::kNormal, "TerminatingInstance",
            "Terminating instance " + claim.providerId);
      return Requeue{options_.pollInterval};
    }
    if (terminated.isInvalid()) {
      // A providerID we cannot parse names no instance we could ever terminate; holding the
      // finalizer forever would only block the claim's deletion.
      log().warn("releasing nodeclaim with malformed provider id name={} provider_id={} error={}",
                 claim.name, claim.providerId, terminated.message());
    } else if (!terminated.isNotFound()) {
      return fail(terminated);
    }
  }

  Status removed = gone(writer_.patchNodeClaim(
      claim.name, removeFinalizerPatch(claim, nc::kTerminationFinalizer)));
  if (!removed.isOk()) return fail(removed);
  log().info("terminated nodeclaim name={} provider_id={}", claim.name, claim.providerId);
  event(claim, kube::EventType::kNormal, "Terminated",
        claim.providerId.empty() ? "NodeClaim released (no instance)"
                                 : "Instance " + claim.providerId + " terminated");
  return Requeue{};
}

}  // namespace gantry::provisioner::nodeclaim
