// The EC2 Query protocol's request side: EC2's list shapes ("Filter.1.Value.2",
// "LaunchTemplateConfigs.1.Overrides.2.InstanceType") on the shared QueryParams, and one
// encoder per call. Pure functions of the typed requests, so the wire format is tested without I/O.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cloudprovider/aws/ec2/ec2_types.h"
#include "cloudprovider/aws/transport/query_params.h"

namespace gantry::cloudprovider::aws {

inline constexpr std::string_view kEc2ApiVersion = "2016-11-15";

// EC2's list shapes on top of the generic parameters.
// prefix.N.Name, prefix.N.Value.M
void addFilters(QueryParams& q, const std::vector<Filter>& filters, std::string_view prefix = "Filter");
// prefix.N.Key, prefix.N.Value
void addTags(QueryParams& q, std::string_view prefix, const std::vector<Tag>& tags);
// prefix.N.ResourceType, prefix.N.Tag.M.Key, prefix.N.Tag.M.Value
void addTagSpecifications(QueryParams& q, std::string_view prefix,
                          const std::vector<TagSpecification>& specs);

QueryParams encodeCreateFleet(const CreateFleetRequest& request);
QueryParams encodeRunInstances(const RunInstancesRequest& request);
QueryParams encodeTerminateInstances(const TerminateInstancesRequest& request);
QueryParams encodeDescribeInstances(const DescribeInstancesRequest& request);
QueryParams encodeDescribeInstanceTypes(const DescribeInstanceTypesRequest& request);
QueryParams encodeDescribeInstanceTypeOfferings(
    const DescribeInstanceTypeOfferingsRequest& request);
QueryParams encodeDescribeSubnets(const DescribeByIdsRequest& request);
QueryParams encodeDescribeSecurityGroups(const DescribeByIdsRequest& request);
QueryParams encodeDescribeImages(const DescribeByIdsRequest& request);
QueryParams encodeDescribeSpotPriceHistory(const DescribeSpotPriceHistoryRequest& request);
QueryParams encodeCreateTags(const std::vector<std::string>& resourceIds,
                             const std::vector<Tag>& tags);
QueryParams encodeCreateLaunchTemplate(const CreateLaunchTemplateRequest& request);
QueryParams encodeDescribeLaunchTemplates(const DescribeLaunchTemplatesRequest& request);

}  // namespace gantry::cloudprovider::aws
