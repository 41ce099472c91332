// The retry loop every AWS call goes through. It used to be written twice (the EC2 Query
// client and the JSON 1.1 client); keeping one means a new retryable case or a logging fix
// cannot reach one service and miss the other.
#include "cloudprovider/aws/transport/signed_transport.h"

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

SignedTransport::SignedTransport(SignedTransportOptions options, ErrorReplyDecoder decodeError,
                                 http::HttpClient& http, CredentialsProvider& credentials,
                                 Clock& clock, RandomSource random)
    : options_(std::move(options)),
      decodeError_(std::move(decodeError)),
      http_(http),
      credentials_(credentials),
      clock_(clock),
      random_(random ? std::move(random) : defaultRandomSource()),
      signer_(options_.signingRegion, options_.signingService) {}

Result<std::string> SignedTransport::call(const SignedRequest& request) const {
  const std::string context = options_.service + " " + request.action;
  const std::string logName = lowercase(options_.service);
  const int maxAttempts = std::max(1, options_.retry.maxAttempts);
  Status last;
  for (int attempt = 1; attempt <= maxAttempts; ++attempt) {
    if (attempt > 1) {
      const Clock::Duration delay =
          fullJitterDelay(options_.retry, attempt - 1, last.isThrottled(), random_());
      awsLogger()->debug(
          "retrying {} call action={} attempt={} delay_ms={} reason={}", logName, request.action,
          attempt, std::chrono::duration_cast<std::chrono::milliseconds>(delay).count(),
          last.toString());
      clock_.sleepFor(delay);
    }
    if (request.budget) request.budget->acquire();

    auto creds = credentials_.credentials();
    if (!creds) {
      last = creds.error().withContext(context + ": credentials");
      if (last.isRetryable()) continue;
      return fail(last);
    }
    http::Request httpRequest{.method = "POST",
                              .url = options_.endpoint + "/",
                              .headers = request.headers,
                              .body = request.body,
                              .timeout = options_.requestTimeout};
    if (Status s = signer_.sign(httpRequest, *creds, clock_.now()); !s.isOk()) return fail(s);

    auto response = http_.send(httpRequest);
    if (!response) {
      last = response.error().withContext(context);
      if (last.isRetryable()) continue;  // no response (refused, reset, timeout): try again
      return fail(last);
    }
    if (response->status == 200) return std::move(response->body);
    last = decodeError_(request.action, *response);
    if (!last.isRetryable()) return fail(last);
  }
  awsLogger()->warn("{} call failed action={} attempts={} reason={}", logName, request.action,
                    maxAttempts, last.toString());
  return fail(last);
}

}  // namespace gantry::cloudprovider::aws
