// AWS error replies into Status values, for every service: the Query protocol's XML error
// documents (EC2, STS) parsed here, and one classification of error codes that the JSON
// protocol (SSM, Pricing) shares. Pure functions, fuzzed by tests/fuzz/ec2_xml_fuzz.cpp.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "src/common/status.h"

namespace gantry::cloudprovider::aws {

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

}  // namespace gantry::cloudprovider::aws
