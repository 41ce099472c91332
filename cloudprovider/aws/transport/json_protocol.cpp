// The JSON request shape shared by the SSM, Pricing and SQS clients; signing and retries are
// SignedTransport's. Errors: json_protocol_errors.cpp.
#include "cloudprovider/aws/transport/json_protocol.h"

namespace gantry::cloudprovider::aws {
namespace {

SignedTransportOptions transportOptions(const JsonProtocolOptions& options) {
  return {.service = options.service,
          .endpoint = options.endpoint,
          .signingRegion = options.signingRegion,
          .signingService = options.signingService,
          .retry = options.retry,
          .requestTimeout = options.requestTimeout};
}

}  // namespace

JsonProtocolClient::JsonProtocolClient(JsonProtocolOptions options, http::HttpClient& http,
                                       CredentialsProvider& credentials, Clock& clock,
                                       RandomSource random)
    : contentType_(options.contentType),
      transport_(transportOptions(options),
                 [service = options.service, mapCode = options.mapErrorCode](
                     std::string_view action, const http::Response& response) {
                   return jsonErrorStatus(service, action, response, mapCode);
                 },
                 http, credentials, clock, std::move(random)) {}

Result<std::string> JsonProtocolClient::call(std::string_view target,
                                             const std::string& body) const {
  // "AmazonSSM.GetParameter" -> "GetParameter", for messages.
  const std::string_view action = target.substr(target.rfind('.') + 1);
  return transport_.call({.action = std::string(action),
                          .headers = {{"Content-Type", contentType_},
                                      {"X-Amz-Target", std::string(target)}},
                          .body = body});
}

}  // namespace gantry::cloudprovider::aws
