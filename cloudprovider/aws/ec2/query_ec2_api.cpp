// The transport half of QueryEc2Api: the EC2 request shape and error format on the shared
// SignedTransport, so each EC2 call in query_ec2_api_calls.cpp is just encode + parse.
#include "cloudprovider/aws/ec2/query_ec2_api.h"

#include "cloudprovider/aws/transport/endpoints.h"

namespace gantry::cloudprovider::aws {

QueryEc2Api::QueryEc2Api(QueryEc2ApiOptions options, http::HttpClient& http,
                         CredentialsProvider& credentials, Clock& clock, const EnvLookup& env,
                         RandomSource random)
    : options_(std::move(options)),
      random_(random ? std::move(random) : defaultRandomSource()),
      mutatingBucket_(clock, options_.mutatingBurst, options_.mutatingPerSecond),
      transport_({.service = "EC2",
                  .endpoint = resolveEndpoint("ec2", options_.region, env, options_.endpoint),
                  .signingRegion = options_.region,
                  .signingService = "ec2",
                  .retry = options_.retry,
                  .requestTimeout = options_.requestTimeout},
                 [](std::string_view action, const http::Response& response) {
                   return awsErrorStatus("EC2", action, response.status, response.body);
                 },
                 http, credentials, clock, random_) {}

std::string QueryEc2Api::newClientToken() {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string token = "gantry-";
  for (int i = 0; i < 32; ++i) {
    token += kHex[static_cast<int>(random_() * 16) & 15];
  }
  return token;
}

Result<std::string> QueryEc2Api::call(const QueryParams& params, bool mutating) {
  return transport_.call(
      {.action = params.action(),
       .headers = {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}},
       .body = params.encode(),
       .budget = mutating ? &mutatingBucket_ : nullptr});
}

}  // namespace gantry::cloudprovider::aws
