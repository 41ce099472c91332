// The transport half of QueryEc2Api: one place that signs, sends, classifies errors and
// retries, so each EC2 call in query_ec2_api_calls.cpp is just encode + parse.
#include "cloudprovider/aws/ec2/query_ec2_api.h"

#include <algorithm>

#include "cloudprovider/aws/transport/endpoints.h"
#include "cloudprovider/aws/transport/logging.h"

namespace gantry::cloudprovider::aws {

QueryEc2Api::QueryEc2Api(QueryEc2ApiOptions options, http::HttpClient& http,
                         CredentialsProvider& credentials, Clock& clock, const EnvLookup& env,
                         RandomSource random)
    : options_(std::move(options)),
      http_(http),
      credentials_(credentials),
      clock_(clock),
      random_(random ? std::move(random) : defaultRandomSource()),
      endpoint_(resolveEndpoint("ec2", options_.region, env, options_.endpoint)),
      signer_(options_.region, "ec2"),
      mutatingBucket_(clock, options_.mutatingBurst, options_.mutatingPerSecond) {}

std::string QueryEc2Api::newClientToken() {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string token = "gantry-";
  for (int i = 0; i < 32; ++i) {
    token += kHex[static_cast<int>(random_() * 16) & 15];
  }
  return token;
}

Result<std::string> QueryEc2Api::call(const QueryParams& params, bool mutating) {
  const std::string action = params.action();
  const std::string body = params.encode();
  const int maxAttempts = std::max(1, options_.retry.maxAttempts);
  Status last;
  for (int attempt = 1; attempt <= maxAttempts; ++attempt) {
    if (attempt > 1) {
      const Clock::Duration delay =
          fullJitterDelay(options_.retry, attempt - 1, last.isThrottled(), random_());
      awsLogger()->debug(
          "retrying ec2 call action={} attempt={} delay_ms={} reason={}", action, attempt,
          std::chrono::duration_cast<std::chrono::milliseconds>(delay).count(), last.toString());
      clock_.sleepFor(delay);
    }
    if (mutating) mutatingBucket_.acquire();

    auto creds = credentials_.credentials();
    if (!creds) {
      last = creds.error().withContext("EC2 " + action + ": credentials");
      if (last.isRetryable()) continue;
      return fail(last);
    }
    http::Request request{
        .method = "POST",
        .url = endpoint_ + "/",
        .headers = {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}},
        .body = body,
        .timeout = options_.requestTimeout};
    if (Status s = signer_.sign(request, *creds, clock_.now()); !s.isOk()) return fail(s);

    auto response = http_.send(request);
    if (!response) {
      last = response.error().withContext("EC2 " + action);
      if (last.isRetryable()) continue;  // no response (refused, reset, timeout): try again
      return fail(last);
    }
    if (response->status == 200) return std::move(response->body);
    last = awsErrorStatus("EC2", action, response->status, response->body);
    if (!last.isRetryable()) return fail(last);
  }
  awsLogger()->warn("ec2 call failed action={} attempts={} reason={}", action, maxAttempts,
                    last.toString());
  return fail(last);
}

}  // namespace gantry::cloudprovider::aws
