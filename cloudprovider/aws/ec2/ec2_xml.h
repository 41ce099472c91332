// The EC2 Query protocol's response side: XML documents into the typed structs of
// ec2_types.h (error documents: transport/aws_errors.h). Pure functions, fuzzed by
// tests/fuzz/ec2_xml_fuzz.cpp.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cloudprovider/aws/ec2/ec2_types.h"
#include "cloudprovider/aws/transport/aws_errors.h"
#include "src/common/status.h"

namespace gantry::cloudprovider::aws {

// One page of a describe call; nextToken is empty on the last page.
template <typename T>
struct Page {
  std::vector<T> items{};
  std::string nextToken{};
};

// Response parsers. Errors: Status::invalid when the document is malformed or its root is
// not the expected <ActionResponse>. Unknown elements are ignored; absent ones leave
// defaults; an unparseable number reads as 0 and an unparseable time as nullopt.
Result<CreateFleetResponse> parseCreateFleetResponse(std::string_view xml);
Result<std::vector<Instance>> parseRunInstancesResponse(std::string_view xml);
Result<std::vector<InstanceStateChange>> parseTerminateInstancesResponse(std::string_view xml);
Result<Page<Instance>> parseDescribeInstancesResponse(std::string_view xml);
Result<Page<InstanceTypeInfo>> parseDescribeInstanceTypesResponse(std::string_view xml);
Result<Page<InstanceTypeOffering>> parseDescribeInstanceTypeOfferingsResponse(std::string_view xml);
Result<Page<Subnet>> parseDescribeSubnetsResponse(std::string_view xml);
Result<Page<SecurityGroup>> parseDescribeSecurityGroupsResponse(std::string_view xml);
Result<Page<Image>> parseDescribeImagesResponse(std::string_view xml);
Result<Page<SpotPrice>> parseDescribeSpotPriceHistoryResponse(std::string_view xml);
Status parseCreateTagsResponse(std::string_view xml);
Result<LaunchTemplate> parseCreateLaunchTemplateResponse(std::string_view xml);
Result<Page<LaunchTemplate>> parseDescribeLaunchTemplatesResponse(std::string_view xml);

}  // namespace gantry::cloudprovider::aws
