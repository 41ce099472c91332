// GetParameter over the JSON 1.1 protocol (json_protocol.h), with the same retry policy as
// the EC2 client so a throttled lookup during a launch burst backs off instead of failing.
#include "cloudprovider/aws/ssm/ssm_api.h"

#include <nlohmann/json.hpp>

#include "cloudprovider/aws/transport/endpoints.h"

namespace gantry::cloudprovider::aws {
namespace {

using nlohmann::json;

// SSM's own "not found" codes; everything else is classified like EC2 errors.
std::optional<StatusCode> ssmErrorCode(std::string_view code) {
  if (code == "ParameterNotFound" || code == "ParameterVersionNotFound") {
    return StatusCode::kNotFound;
  }
  return std::nullopt;
}

}  // namespace

Status jsonProtocolError(std::string_view service, std::string_view action, int httpStatus,
                         std::string_view body) {
  return jsonErrorStatus(service, action,
                         http::Response{.status = httpStatus, .body = std::string(body)},
                         ssmErrorCode);
}

JsonSsmApi::JsonSsmApi(JsonSsmApiOptions options, http::HttpClient& http,
                       CredentialsProvider& credentials, Clock& clock, const EnvLookup& env,
                       RandomSource random)
    : client_(
          JsonProtocolOptions{
              .service = "SSM",
              .endpoint = resolveEndpoint("ssm", options.region, env, options.endpoint),
              .signingRegion = options.region,
              .signingService = "ssm",
              .retry = options.retry,
              .requestTimeout = options.requestTimeout,
              .mapErrorCode = ssmErrorCode},
          http, credentials, clock, std::move(random)) {}

Result<std::string> JsonSsmApi::getParameter(std::string_view name) {
  auto reply = client_.call("AmazonSSM.GetParameter", json{{"Name", std::string(name)}}.dump());
  if (!reply) return fail(reply.error());
  auto doc = json::parse(*reply, nullptr, /*allow_exceptions=*/false);
  if (doc.is_object()) {
    if (auto p = doc.find("Parameter"); p != doc.end() && p->is_object()) {
      if (auto v = p->find("Value"); v != p->end() && v->is_string()) return v->get<std::string>();
    }
  }
  return fail(Status::invalid("SSM GetParameter: response has no Parameter.Value"));
}

}  // namespace gantry::cloudprovider::aws
