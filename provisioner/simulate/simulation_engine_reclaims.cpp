// How spot reclaims reach the simulated cluster: the notice, handed to the interruption
// controller's own handler as its SQS consumer would hand it the queue's message, and the
// reclaim itself for what the notice did not clear; and why each claim went, for the report.
#include <string>
#include <string_view>

#include "provisioner/simulate/simulation_engine.h"
#include "src/api/nodeclaim.h"
#include "src/common/logging.h"

namespace gantry::provisioner::simulate {

namespace {
namespace nc = api::nodeclaim;

// The instance id of a "sim:///<zone>/<id>" providerID: its last path segment.
Result<std::string> instanceIdOf(std::string_view providerId) {
  const size_t slash = providerId.rfind('/');
  if (slash == std::string_view::npos || slash + 1 == providerId.size()) {
    return fail(Status::invalid("no instance id in " + std::string(providerId)));
  }
  return std::string(providerId.substr(slash + 1));
}

}  // namespace

void SimulationEngine::noticeInterruptions() {
  if (!(trace_.settings.spotInterruptionsPerHour > 0) || !options_.decisions.interruptionNotices) {
    return;
  }
  // Sorted by notice time, every later notice later than this moment: new ones at the end.
  const auto noticed = cloud_->noticedBy(clock_->now());
  if (noticed.size() == noticesSeen_) return;
  const interruption::ClaimsByInstance claims(cluster_.reader().nodeClaims(), instanceIdOf);
  for (size_t i = noticesSeen_; i < noticed.size(); ++i) {
    const std::string& providerId = noticed[i].providerId;
    auto instanceId = instanceIdOf(providerId);
    if (!instanceId) continue;
    cloudprovider::aws::InterruptionMessage message;
    message.kind = cloudprovider::aws::InterruptionKind::kSpotInterruption;
    message.instanceIds = {*instanceId};
    message.detailType = "EC2 Spot Instance Interruption Warning";
    message.time = noticed[i].noticeAt;
    // The in-memory cluster's writes do not fail; an error here is a bug worth a line.
    if (auto handled = interruptions_.handle(message, claims); !handled) {
      componentLogger("simulate")->warn("interruption notice not handled instance={} error={}",
                                        providerId, handled.error().toString());
    }
  }
  noticesSeen_ = noticed.size();
}

// Without the interruption controller (a baseline), or for what the notice did not clear (an
// instance that never registered), the reclaim itself: the kubelet dies with the instance and
// garbage collection deletes the claim once it is gone.
void SimulationEngine::reclaimInstances() {
  // Without a rate nothing is ever reclaimed, and the cloud's list is walked at every moment.
  if (!(trace_.settings.spotInterruptionsPerHour > 0)) return;
  // Sorted by reclaim time, and every later reclaim is later than this moment: new ones are
  // at the end.
  const auto reclaimed = cloud_->interruptedBy(clock_->now());
  for (size_t i = reclaimsSeen_; i < reclaimed.size(); ++i) {
    reclaimed_.insert(reclaimed[i].providerId);
    auto it = instances_.find(reclaimed[i].providerId);
    if (it == instances_.end() || it->second.node.empty()) continue;  // never registered
    kubelet_.instanceGone(it->second.node);
    workload_.nodeLost(it->second.node);
    schedulerDirty_ = true;
  }
  reclaimsSeen_ = reclaimed.size();
}

void SimulationEngine::countDisruption(const api::NodeClaim& claim) {
  auto reason = claim.annotations.find(std::string(nc::kDisruptionReasonAnnotation));
  if (reason != claim.annotations.end() && !reason->second.empty()) {
    ++disruptions_[reason->second];
  } else if (reclaimed_.contains(claim.providerId)) {
    ++disruptions_["Interrupted"];
  }
}

}  // namespace gantry::provisioner::simulate
