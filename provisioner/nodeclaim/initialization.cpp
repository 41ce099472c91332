// The initialization step: why a registered claim's Node is not initialized yet, if it is
// not, and the Initialized and Ready conditions that follow from it.
#include "provisioner/nodeclaim/initialization.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "provisioner/nodeclaim/node_adoption.h"
#include "src/common/logging.h"

namespace gantry::provisioner::nodeclaim {

namespace {
namespace nc = api::nodeclaim;
using api::ConditionStatus;

spdlog::logger& log() {
  static auto logger = componentLogger("nodeclaim");
  return *logger;
}

bool hasTaint(const api::Node& node, const api::Taint& t) {
  return std::any_of(node.taints.begin(), node.taints.end(), [&](const api::Taint& have) {
    return have.key == t.key && have.effect == t.effect;
  });
}

// Why the Node is not initialized yet as {reason, message}, or an empty reason when it is.
std::pair<std::string, std::string> notInitializedBecause(const api::NodeClaim& claim,
                                                          const api::Node& node) {
  if (!node.ready) return {"NodeNotReady", "Node " + node.name + " is not Ready"};
  for (const api::Taint& t : node.taints) {
    if (t.key == kUnregisteredTaintKey) {
      return {"UnregisteredTaintExists", "Node still has taint " + t.toString()};
    }
  }
  for (const api::Taint& t : claim.startupTaints) {
    if (hasTaint(node, t)) return {"StartupTaintsExist", "Startup taint " + t.toString() + " remains"};
  }
  for (const auto& [name, wanted] : claim.resourceRequests.entries()) {
    if (!isExtendedResource(name)) continue;
    if (node.allocatable.get(name) < wanted) {
      return {"ResourceNotRegistered", "Resource " + name + " not registered on Node " + node.name};
    }
  }
  return {};
}

}  // namespace

Result<StepResult> Initialization::reconcile(api::NodeClaim& updated) {
  if (!updated.isTrue(nc::kRegistered)) return StepResult{.halt = true};
  if (updated.isTrue(nc::kInitialized) && updated.isTrue(nc::kReady)) return StepResult{};
  auto cached = ctx_.nodeOf(updated);
  if (cached == nullptr || cached->deleting) return StepResult{};  // liveness decides
  const api::NodeClaim& claim = updated;
  const api::Node& node = *cached;
  const auto now = ctx_.clock.now();
  auto [reason, message] = notInitializedBecause(claim, node);
  const bool wasInitialized = claim.isTrue(nc::kInitialized);
  if (reason.empty()) {
    updated.setCondition(nc::kInitialized, ConditionStatus::kTrue, "Initialized", "", now);
  } else if (!wasInitialized) {
    // Once initialized, a claim stays so (Karpenter): later NotReady is the node health
    // controller's business, and a daemon re-adding a taint must not flap the condition.
    updated.setCondition(nc::kInitialized, ConditionStatus::kUnknown, reason, message, now);
  }
  const bool ready = updated.isTrue(nc::kLaunched) && updated.isTrue(nc::kRegistered) &&
                     updated.isTrue(nc::kInitialized);
  if (ready) {
    updated.setCondition(nc::kReady, ConditionStatus::kTrue, "Ready", "", now);
  } else {
    updated.setCondition(nc::kReady, ConditionStatus::kUnknown,
                         reason.empty() ? "NotInitialized" : reason, message, now);
  }
  if (ready && !wasInitialized) {
    log().info("initialized nodeclaim name={} node={}", claim.name, node.name);
    ctx_.event(claim, kube::EventType::kNormal, "Initialized",
               "Node " + node.name + " initialized");
  }
  // Node events (Ready, allocatable, taints) requeue the claim; the poll covers a missed one.
  return ready ? StepResult{} : StepResult{.requeue = ctx_.options.pollInterval, .halt = true};
}

}  // namespace gantry::provisioner::nodeclaim
