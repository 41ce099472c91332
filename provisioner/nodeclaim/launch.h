// Launch (Karpenter's lifecycle launch): a NodeClaim without Launched=True gets its instance
// from the CloudProvider, and the claim records it (providerID, image, capacity, the instance
// type, zone and capacity type as labels, Launched=True). The provisioner only creates claims;
// launching here, in the lifecycle, is what makes a crash harmless: a claim without Launched
// is simply launched again, and CloudProvider::create finds the instance an earlier attempt
// started (by the claim's tag) instead of starting a second one.
#pragma once

#include <string_view>
#include <vector>

#include "provisioner/nodeclaim/lifecycle_step.h"
#include "provisioner/nodeclaim/recent_launches.h"
#include "src/api/instance_type.h"

namespace gantry::provisioner::nodeclaim {

// The claim's instance-type candidates: the catalog types its requirements allow, each with
// only the offerings it allows (zone, capacity type; on-demand when it names none) that are
// available, cheapest first. Pure.
std::vector<api::InstanceType> launchCandidates(const api::NodeClaim& claim,
                                                const api::InstanceTypes& catalog);

// What a launch error means for the claim.
enum class LaunchFailure {
  kTransient,  // throttled, unavailable, a timeout: retry this claim with backoff
  kCapacity,   // no capacity in any candidate offering: delete the claim, re-plan at once
  kPersistent  // the request itself cannot succeed (bad node class, no permission...): delete
               // the claim and back the NodePool/EC2NodeClass pair off
};
LaunchFailure classifyLaunchError(const Status& error);

class Launch final : public LifecycleStep {
 public:
  explicit Launch(LifecycleContext& ctx) : ctx_(ctx) {}
  std::string_view name() const override { return "launch"; }
  // Halts the later steps until the claim is launched.
  Result<StepResult> reconcile(api::NodeClaim& claim) override;

 private:
  // The instance for `claim`: create() for a single claim, createGroup() for a gang member.
  // `wait` is set when a gang is still assembling (no call was made).
  Result<cloudprovider::CloudInstance> launch(const api::NodeClaim& claim,
                                              std::vector<api::InstanceType> candidates,
                                              Requeue& wait);
  // Records the failure on the claim (condition, Event), deletes it and tells the provisioner.
  Result<StepResult> failed(api::NodeClaim& claim, const Status& error, LaunchFailure kind);
  void record(api::NodeClaim& claim, const cloudprovider::CloudInstance& instance,
              const std::vector<api::InstanceType>& candidates) const;

  LifecycleContext& ctx_;
  RecentLaunches recent_;
};

}  // namespace gantry::provisioner::nodeclaim
