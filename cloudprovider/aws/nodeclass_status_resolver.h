// What an EC2NodeClass resolves to in EC2 right now: the AWS-side extension the EC2NodeClass
// status controller (provisioner/nodeclass) talks to. It is not part of the neutral
// CloudProvider seam, because only the AWS node-class kind has this status.
#pragma once

#include "cloudprovider/metered_cloud_provider.h"
#include "src/api/ec2_nodeclass.h"
#include "src/common/status.h"

namespace gantry::cloudprovider::aws {

class Ec2NodeClassStatusResolver {
 public:
  virtual ~Ec2NodeClassStatusResolver() = default;

  // What `nodeClass` resolves to right now, as its EC2NodeClass status: subnets, security
  // groups, AMIs (each with requirements naming the instance types it serves), the instance
  // profile, and one condition per part (SubnetsReady, SecurityGroupsReady, AMIsReady): True
  // when the part selects something, False when it selects nothing (reason SubnetsNotFound,
  // SecurityGroupsNotFound or AMIsNotFound; the message names the selector terms that matched
  // nothing, with the cloud's own message for an id it does not know). A False part's list is
  // empty. The conditions carry no lastTransitionTime or observedGeneration, and there is no
  // Ready: the caller merges them into the stored conditions and derives Ready.
  // Errors only for what says nothing about the node class: kThrottled / kUnavailable after
  // the cloud's own retries, kUnauthorized / kForbidden. Thread-safe.
  virtual Result<api::Ec2NodeClassStatus> resolveNodeClass(const api::Ec2NodeClass& nodeClass) = 0;
};

// Meters every resolution on the wrapping MeteredCloudProvider's series (method
// "resolveNodeClass"), as when resolution was a CloudProvider call. Both must outlive it.
class MeteredEc2NodeClassStatusResolver final : public Ec2NodeClassStatusResolver {
 public:
  MeteredEc2NodeClassStatusResolver(Ec2NodeClassStatusResolver& inner, MeteredCloudProvider& meter)
      : inner_(inner), meter_(meter) {}
  Result<api::Ec2NodeClassStatus> resolveNodeClass(const api::Ec2NodeClass& nodeClass) override {
    return meter_.observeExtension("resolveNodeClass", nodeClass.name,
                                   [&] { return inner_.resolveNodeClass(nodeClass); });
  }

 private:
  Ec2NodeClassStatusResolver& inner_;
  MeteredCloudProvider& meter_;
};

}  // namespace gantry::cloudprovider::aws
