// The EC2 Query protocol's response side: XML documents into the typed structs of
// ec2_types.h, and EC2 error documents into Status values. Pure functions, fuzzed by
// tests/fuzz/ec2_xml_fuzz.cpp.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cloudprovider/aws/ec2/ec2_types.h"
#include "src/common/status.h"

namespace gantry::cloudprovider::aws {

// One page of a describe call; nextToken is empty on the last page.
template <typename T>
struct Page {
  std::vector<T> items{};
  std::string nextToken{};
};

// An error document:
//   <Response><Errors><Error><Code>..</Code><Message>..</Message></Error></Errors>
//   <RequestID>..</RequestID></Response>
// (EC2), or <ErrorResponse><Error><Code>..</Code><Message>..</Message></Error>
// <RequestId>..</RequestId></ErrorResponse> (STS and other Query services).
struct AwsError {
  std::string code{};
  std::string message{};
  std::string requestId{};
};

// Nullopt when the body is not an AWS error document (an HTML page from a proxy, say).
std::optional<AwsError> parseAwsError(std::string_view body);

// The Status kind for an AWS error code, falling back on the HTTP status when the code is
// unknown or empty: throttling codes and 429 -> kThrottled; capacity codes ->
// kInsufficientCapacity; AuthFailure and signature/token codes and 401 -> kUnauthorized;
// UnauthorizedOperation/AccessDenied and 403 -> kForbidden; *.NotFound -> kNotFound;
// *AlreadyExists* -> kAlreadyExists; IdempotentParameterMismatch, IncorrectState ->
// kConflict; 5xx and InternalError/Unavailable -> kUnavailable; other 4xx -> kInvalid.
StatusCode classifyAwsError(std::string_view code, int httpStatus);

// The Status for a failed call: "<service> <Action>: <Code>: <Message> (request <id>)", or
// the HTTP status and a body excerpt when the body is not an error document.
Status awsErrorStatus(std::string_view service, std::string_view action, int httpStatus,
                      std::string_view body);

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
