// The narrow EC2 seam (Karpenter's sdk.EC2API, cut down): only the calls Gantry makes.
// The CloudProvider is written against this interface; QueryEc2Api speaks the real Query
// protocol, and unit tests of the layers above use a fake.
#pragma once

#include <memory>
#include <vector>

#include "cloudprovider/aws/ec2/ec2_types.h"
#include "src/common/status.h"

namespace gantry::cloudprovider::aws {

// Common contract for every method:
//  - Errors carry EC2's error code and message in Status::message() and map to kinds:
//    kThrottled (RequestLimitExceeded...), kInsufficientCapacity (InsufficientInstanceCapacity,
//    VcpuLimitExceeded, UnfulfillableCapacity...), kUnauthorized (AuthFailure, bad signature or
//    expired token), kForbidden (UnauthorizedOperation), kNotFound (*.NotFound),
//    kAlreadyExists, kConflict (IdempotentParameterMismatch, IncorrectState), kInvalid (other
//    client errors), kUnavailable (5xx, transport failures).
//  - Throttling and unavailability are retried inside with bounded exponential backoff;
//    an error returned is final for this call.
//  - describe* calls follow NextToken to the end and return every page.
//  - Thread-safe: any method may be called from several threads at once.
class Ec2Api {
 public:
  virtual ~Ec2Api() = default;

  // Launches capacity with an instant fleet. Partial success is a success: launched
  // instances and per-pool errors (errorSet) are both in the response; the call itself
  // fails only when EC2 rejects the whole request. Idempotent per clientToken.
  virtual Result<CreateFleetResponse> createFleet(const CreateFleetRequest& request) = 0;

  // Launches instances directly (no fleet). Idempotent per clientToken.
  virtual Result<std::vector<Instance>> runInstances(const RunInstancesRequest& request) = 0;

  // Terminates instances. Repeatable: terminating a terminated instance succeeds; an id
  // that never existed (or is long gone) is kNotFound (InvalidInstanceID.NotFound).
  virtual Result<std::vector<InstanceStateChange>> terminateInstances(
      const TerminateInstancesRequest& request) = 0;

  // Instances matching ids and filters (terminated ones stay visible for about an hour).
  // Unknown ids are kNotFound.
  virtual Result<std::vector<Instance>> describeInstances(
      const DescribeInstancesRequest& request) = 0;

  virtual Result<std::vector<InstanceTypeInfo>> describeInstanceTypes(
      const DescribeInstanceTypesRequest& request) = 0;

  virtual Result<std::vector<InstanceTypeOffering>> describeInstanceTypeOfferings(
      const DescribeInstanceTypeOfferingsRequest& request) = 0;

  virtual Result<std::vector<Subnet>> describeSubnets(const DescribeByIdsRequest& request) = 0;

  virtual Result<std::vector<SecurityGroup>> describeSecurityGroups(
      const DescribeByIdsRequest& request) = 0;

  virtual Result<std::vector<Image>> describeImages(const DescribeByIdsRequest& request) = 0;

  virtual Result<std::vector<SpotPrice>> describeSpotPriceHistory(
      const DescribeSpotPriceHistoryRequest& request) = 0;

  // Adds or overwrites tags on resources. Repeatable.
  virtual Status createTags(const std::vector<std::string>& resourceIds,
                            const std::vector<Tag>& tags) = 0;

  // Creates a launch template. A name already taken is kAlreadyExists. Idempotent per
  // clientToken.
  virtual Result<LaunchTemplate> createLaunchTemplate(
      const CreateLaunchTemplateRequest& request) = 0;

  // Launch templates by ids, names or filters. A name that does not exist is kNotFound
  // (InvalidLaunchTemplateName.NotFoundException).
  virtual Result<std::vector<LaunchTemplate>> describeLaunchTemplates(
      const DescribeLaunchTemplatesRequest& request) = 0;
};

using Ec2ApiPtr = std::unique_ptr<Ec2Api>;

}  // namespace gantry::cloudprovider::aws
