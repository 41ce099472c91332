// The reconcile of the EC2NodeClass status controller (a runtime::Reconciler): asks the cloud
// what one class resolves to and writes that, with the conditions it adds up to, through the
// status subresource when it differs from what the class shows. When the cloud cannot be asked
// at all, a few times running, it says so in Ready, so the provisioner stops launching with a
// class nobody can vouch for. The queue, worker and backoff around it are
// runtime::QueueController's (status_controller.h).
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "cloudprovider/aws/nodeclass_status_resolver.h"
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

// The status `current` should have once the cloud failed to resolve it with `error` several
// times running: everything stored kept (the lists are the last ones known), and Ready set at
// `now` (api::setCondition) with current.generation as observedGeneration, reason
// api::nodeclass::kResolutionFailed and message "cannot resolve EC2NodeClass: <error>"; its
// status False when the error will not pass by itself (kUnauthorized, kForbidden,
// kUnimplemented), else Unknown. Pure.
api::Ec2NodeClassStatus unresolvedStatus(const api::Ec2NodeClass& current, const Status& error,
                                         Clock::TimePoint now);

class StatusReconciler final : public runtime::Reconciler {
 public:
  // REQUIRES: every reference outlives it.
  StatusReconciler(NodeClassReader& reader, NodeClassStatusWriter& writer,
                   cloudprovider::aws::Ec2NodeClassStatusResolver& cloud, kube::EventRecorder& events, Clock& clock,
                   Clock::Duration resolvePeriod, int failuresBeforeNotReady)
      : reader_(reader), writer_(writer), cloud_(cloud), events_(events), clock_(clock),
        resolvePeriod_(resolvePeriod), failuresBeforeNotReady_(failuresBeforeNotReady) {}

  // Resolves class `key` and writes its status when that changed, with one Warning Event
  // (kNotReadyEventReason) each time Ready turns False or Unknown from another status.
  // Returns a requeue after resolvePeriod, so a subnet or image that appears or disappears in
  // EC2 shows up in the status; nothing to requeue when the class is gone; the writer's error
  // when the write fails. When the cloud cannot resolve the class, returns its error (retried
  // with backoff) and leaves the status alone, except from the failuresBeforeNotReady-th
  // consecutive failure of that class on, when it writes unresolvedStatus() first.
  Result<runtime::Requeue> reconcile(const std::string& key) override;
  // Every class the cache holds (resolved once at start).
  std::vector<std::string> resyncKeys() override;

 private:
  Result<runtime::Requeue> unresolved(const api::Ec2NodeClass& current, const Status& error);
  // Writes `next` when it differs from current.status; records the Event. The writer's error.
  Status writeIfChanged(const api::Ec2NodeClass& current, const api::Ec2NodeClassStatus& next);
  void forgetFailures(const std::string& name);

  NodeClassReader& reader_;
  NodeClassStatusWriter& writer_;
  cloudprovider::aws::Ec2NodeClassStatusResolver& cloud_;
  kube::EventRecorder& events_;
  Clock& clock_;
  const Clock::Duration resolvePeriod_;
  const int failuresBeforeNotReady_;
  std::mutex mu_;
  std::map<std::string, int> resolveFailures_;  // guarded by mu_; consecutive, per class
};

}  // namespace gantry::provisioner::nodeclass
