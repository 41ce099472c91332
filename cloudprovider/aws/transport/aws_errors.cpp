// AWS error documents into Status kinds. The code lists follow EC2's "Error codes" reference
// and the AWS SDKs' retry classification; callers branch on the kind (retry, mark an
// offering unavailable, give up), people read the code and message kept in the text.
#include "cloudprovider/aws/transport/aws_errors.h"

#include <array>

#include "cloudprovider/aws/transport/xml_reader.h"

namespace gantry::cloudprovider::aws {
namespace {

constexpr std::array<std::string_view, 12> kThrottlingCodes = {
    "RequestLimitExceeded",     "Throttling",
    "ThrottlingException",      "ThrottledException",
    "RequestThrottled",         "RequestThrottledException",
    "TooManyRequestsException", "SlowDown",
    "PriorRequestNotComplete",  "EC2ThrottledException",
    "BandwidthLimitExceeded",   "RequestLimitExceededException"};

// The pool (type, zone, market) or the account has no room right now: try another offering.
constexpr std::array<std::string_view, 11> kCapacityCodes = {"InsufficientInstanceCapacity",
                                                             "InsufficientHostCapacity",
                                                             "InsufficientReservedInstanceCapacity",
                                                             "InsufficientCapacity",
                                                             "MaxSpotInstanceCountExceeded",
                                                             "VcpuLimitExceeded",
                                                             "InstanceLimitExceeded",
                                                             "UnfulfillableCapacity",
                                                             "Unsupported",
                                                             "InsufficientFreeAddressesInSubnet",
                                                             "SpotMaxPriceTooLow"};

constexpr std::array<std::string_view, 11> kUnauthorizedCodes = {"AuthFailure",
                                                                 "SignatureDoesNotMatch",
                                                                 "InvalidClientTokenId",
                                                                 "IncompleteSignature",
                                                                 "MissingAuthenticationToken",
                                                                 "ExpiredToken",
                                                                 "ExpiredTokenException",
                                                                 "RequestExpired",
                                                                 "InvalidAccessKeyId",
                                                                 "UnrecognizedClientException",
                                                                 "InvalidIdentityToken"};

constexpr std::array<std::string_view, 7> kForbiddenCodes = {
    "UnauthorizedOperation",
    "AccessDenied",
    "AccessDeniedException",
    "OptInRequired",
    "Blocked",
    "PendingVerification",
    "AuthFailure.ServiceLinkedRoleCreationNotPermitted"};

constexpr std::array<std::string_view, 7> kUnavailableCodes = {
    "InternalError",  "InternalFailure",         "ServiceUnavailable",   "Unavailable",
    "RequestTimeout", "RequestTimeoutException", "IDPCommunicationError"};

constexpr std::array<std::string_view, 4> kConflictCodes = {
    "IdempotentParameterMismatch", "IncorrectState", "IncorrectInstanceState",
    "ConcurrentModification"};

template <std::size_t N>
bool contains(const std::array<std::string_view, N>& list, std::string_view code) {
  for (const auto c : list) {
    if (c == code) return true;
  }
  return false;
}

}  // namespace

std::optional<AwsError> parseAwsError(std::string_view body) {
  auto root = parseXml(body);
  if (!root) return std::nullopt;
  const XmlNode* error = nullptr;
  if (root->name == "Response") error = root->find("Errors/Error");
  if (root->name == "ErrorResponse") error = root->child("Error");
  if (root->name == "Error") error = &*root;  // S3-style bare error
  if (error == nullptr) return std::nullopt;
  AwsError out{error->textAt("Code"), error->textAt("Message"), root->textAt("RequestID")};
  if (out.requestId.empty()) out.requestId = root->textAt("RequestId");
  if (out.code.empty()) return std::nullopt;
  return out;
}

StatusCode classifyAwsError(std::string_view code, int httpStatus) {
  if (!code.empty()) {
    if (contains(kThrottlingCodes, code)) return StatusCode::kThrottled;
    if (contains(kCapacityCodes, code)) return StatusCode::kInsufficientCapacity;
    if (contains(kForbiddenCodes, code)) return StatusCode::kForbidden;
    if (contains(kUnauthorizedCodes, code)) return StatusCode::kUnauthorized;
    if (contains(kUnavailableCodes, code)) return StatusCode::kUnavailable;
    if (contains(kConflictCodes, code)) return StatusCode::kConflict;
    if (code.ends_with("NotFound") || code.ends_with("NotFoundException") ||
        code.find(".NotFound") != std::string_view::npos) {
      return StatusCode::kNotFound;
    }
    if (code.find("AlreadyExists") != std::string_view::npos || code.ends_with(".Duplicate")) {
      return StatusCode::kAlreadyExists;
    }
  }
  if (httpStatus == 429) return StatusCode::kThrottled;
  if (httpStatus >= 500) return StatusCode::kUnavailable;
  if (httpStatus == 401) return StatusCode::kUnauthorized;
  if (httpStatus == 403) return StatusCode::kForbidden;
  if (httpStatus == 404 && code.empty()) return StatusCode::kNotFound;
  return StatusCode::kInvalid;
}

Status awsErrorStatus(std::string_view service, std::string_view action, int httpStatus,
                      std::string_view body) {
  std::string msg(service);
  msg += ' ';
  msg += action;
  msg += ": ";
  if (auto err = parseAwsError(body)) {
    msg += err->code;
    if (!err->message.empty()) msg += ": " + err->message;
    if (!err->requestId.empty()) msg += " (request " + err->requestId + ")";
    return {classifyAwsError(err->code, httpStatus), std::move(msg)};
  }
  // Not an AWS error document: keep a short printable excerpt for whoever debugs it.
  msg += "HTTP " + std::to_string(httpStatus);
  std::string excerpt;
  for (const char c : body.substr(0, 200)) {
    excerpt += (c >= 0x20 && c < 0x7F) ? c : ' ';
  }
  if (!excerpt.empty()) msg += ": " + excerpt;
  return {classifyAwsError("", httpStatus), std::move(msg)};
}

}  // namespace gantry::cloudprovider::aws
