// The reconcile of the EC2NodeClass status controller (a runtime::Reconciler): asks the cloud
// what one class resolves to and writes that, with the conditions it adds up to, through the
// status subresource when it differs from what the class shows. The queue, worker and backoff
// around it are runtime::QueueController's (status_controller.h).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "cloudprovider/cloud_provider.h"
#include "provisioner/nodeclass/nodeclass_access.h"
#include "provisioner/runtime/reconciler.h"
#include "src/api/ec2_nodeclass.h"
#include "src/common/clock.h"
#include "src/kube/event_recorder.h"

namespace gantry::provisioner::nodeclass {

// Reason of the Warning Event recorded on an EC2NodeClass that turns not Ready.
inline constexpr std::string_view kNotReadyEventReason = "NodeClassNotReady";

// The status `current` should have now, given what the cloud resolved: the resolved lists and
// instance profile; the stored conditions with the resolved part conditions merged in
// (api::setCondition: lastTransitionTime moves only when a status changes) at `now`, each
// with current.generation as observedGeneration; and Ready, True when all three parts are,
// else False with the first failing part's reason and every failing part's message.
// Conditions of other types already stored are kept. Pure.
api::Ec2NodeClassStatus mergeResolvedStatus(const api::Ec2NodeClass& current,
                                            const api::Ec2NodeClassStatus& resolved,
                                            Clock::TimePoint now);

class StatusReconciler final : public runtime::Reconciler {
 public:
  // REQUIRES: every reference outlives it.
  StatusReconciler(NodeClassReader& reader, NodeClassStatusWriter& writer,
                   cloudprovider::CloudProvider& cloud, kube::EventRecorder& events, Clock& clock,
                   Clock::Duration resolvePeriod)
      : reader_(reader), writer_(writer), cloud_(cloud), events_(events), clock_(clock),
        resolvePeriod_(resolvePeriod) {}

  // Resolves class `key` and writes its status when that changed, with one Warning Event
  // (kNotReadyEventReason) when Ready turns False. Returns a requeue after resolvePeriod, so a
  // subnet or image that appears or disappears in EC2 shows up in the status; nothing to
  // requeue when the class is gone; and the cloud's or the writer's error otherwise, leaving
  // the stored status as it was.
  Result<runtime::Requeue> reconcile(const std::string& key) override;
  // Every class the cache holds (resolved once at start).
  std::vector<std::string> resyncKeys() override;

 private:
  NodeClassReader& reader_;
  NodeClassStatusWriter& writer_;
  cloudprovider::CloudProvider& cloud_;
  kube::EventRecorder& events_;
  Clock& clock_;
  const Clock::Duration resolvePeriod_;
};

}  // namespace gantry::provisioner::nodeclass
