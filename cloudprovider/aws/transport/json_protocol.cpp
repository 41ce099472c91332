// The JSON 1.1 transport shared by the SSM and Pricing clients: signing and retries, so a fix
// to either (a new throttling code, a header) lands in both. Errors: json_protocol_errors.cpp.
#include "cloudprovider/aws/transport/json_protocol.h"

#include <algorithm>

#include "cloudprovider/aws/transport/logging.h"

namespace gantry::cloudprovider::aws {
namespace {

std::string lowercase(std::string_view text) {
  std::string out(text);
  std::ranges::transform(out, out.begin(), [](unsigned char c) {
    return static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  });
  return out;
}

}  // namespace

JsonProtocolClient::JsonProtocolClient(JsonProtocolOptions options, http::HttpClient& http,
                                       CredentialsProvider& credentials, Clock& clock,
                                       RandomSource random)
    : options_(std::move(options)),
      http_(http),
      credentials_(credentials),
      clock_(clock),
      random_(random ? std::move(random) : defaultRandomSource()),
      signer_(options_.signingRegion, options_.signingService) {}

Result<std::string> JsonProtocolClient::call(std::string_view target,
                                             const std::string& body) const {
  // "AmazonSSM.GetParameter" -> "GetParameter", for messages.
  const std::string_view action = target.substr(target.rfind('.') + 1);
  const std::string context = options_.service + " " + std::string(action);
  const int maxAttempts = std::max(1, options_.retry.maxAttempts);
  Status last;
  for (int attempt = 1; attempt <= maxAttempts; ++attempt) {
    if (attempt > 1) {
      const Clock::Duration delay =
          fullJitterDelay(options_.retry, attempt - 1, last.isThrottled(), random_());
      awsLogger()->debug(
          "retrying {} call action={} attempt={} delay_ms={} reason={}",
          lowercase(options_.service), action, attempt,
          std::chrono::duration_cast<std::chrono::milliseconds>(delay).count(), last.toString());
      clock_.sleepFor(delay);
    }
    auto creds = credentials_.credentials();
    if (!creds) {
      last = creds.error().withContext(context + ": credentials");
      if (last.isRetryable()) continue;
      return fail(last);
    }
    http::Request request{.method = "POST",
                          .url = options_.endpoint + "/",
                          .headers = {{"Content-Type", "application/x-amz-json-1.1"},
                                      {"X-Amz-Target", std::string(target)}},
                          .body = body,
                          .timeout = options_.requestTimeout};
    if (Status s = signer_.sign(request, *creds, clock_.now()); !s.isOk()) return fail(s);
    auto response = http_.send(request);
    if (!response) {
      last = response.error().withContext(context);
      if (last.isRetryable()) continue;  // no response (refused, reset, timeout): try again
      return fail(last);
    }
    if (response->status == 200) return std::move(response->body);
    last = jsonErrorStatus(options_.service, action, *response, options_.mapErrorCode);
    if (!last.isRetryable()) return fail(last);
  }
  awsLogger()->warn("{} call failed action={} attempts={} reason={}", lowercase(options_.service),
                    action, maxAttempts, last.toString());
  return fail(last);
}

}  // namespace gantry::cloudprovider::aws
