// Error classification for the JSON 1.1 protocol (SSM, Pricing), apart from the transport so
// the Pricing fuzz target can link it without HTTP, signing or credentials.
#include "cloudprovider/aws/transport/json_protocol.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "cloudprovider/aws/transport/aws_errors.h"

namespace gantry::cloudprovider::aws {
namespace {

using json = nlohmann::json;

std::optional<std::string> stringMember(const json& object, const char* key) {
  if (!object.is_object()) return std::nullopt;
  auto it = object.find(key);
  if (it == object.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

// "ThrottlingException:http://internal.amazon.com/..." or "com.amazonaws.ssm#ParameterNotFound".
std::string errorCodeOf(std::string_view raw) {
  if (auto hash = raw.rfind('#'); hash != std::string_view::npos) raw = raw.substr(hash + 1);
  if (auto colon = raw.find(':'); colon != std::string_view::npos) raw = raw.substr(0, colon);
  return std::string(raw);
}

}  // namespace

Status jsonErrorStatus(std::string_view service, std::string_view action,
                       const http::Response& response, const JsonErrorCodeMapper& mapCode) {
  std::string code;
  if (auto header = response.header("x-amzn-ErrorType")) code = errorCodeOf(*header);
  const json body = json::parse(response.body, nullptr, /*allow_exceptions=*/false);
  if (code.empty()) {
    if (auto type = stringMember(body, "__type")) code = errorCodeOf(*type);
  }
  std::string message;
  for (const char* key : {"message", "Message"}) {
    if (auto m = stringMember(body, key)) message = *m;
  }
  StatusCode kind = classifyAwsError(code, response.status);
  if (mapCode) {
    if (auto mapped = mapCode(code); mapped && *mapped != StatusCode::kOk) kind = *mapped;
  }
  // A 200 with an error document or an unclassifiable code must still be an error.
  if (kind == StatusCode::kOk) kind = StatusCode::kInternal;

  std::string text = std::string(service) + " " + std::string(action) + ": ";
  if (!code.empty()) {
    text += code;
    if (!message.empty()) text += ": " + message.substr(0, 300);
  } else {
    // Not an AWS error document: keep a short printable excerpt for whoever debugs it.
    text += "HTTP " + std::to_string(response.status);
    std::string excerpt;
    for (const char c : std::string_view(response.body).substr(0, 200)) {
      excerpt += (c >= 0x20 && c < 0x7F) ? c : ' ';
    }
    if (!excerpt.empty()) text += ": " + excerpt;
  }
  return {kind, std::move(text)};
}

}  // namespace gantry::cloudprovider::aws
