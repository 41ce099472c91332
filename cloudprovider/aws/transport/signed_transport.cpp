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

// The text of the first <tag>...</tag> in `body`, or "".
std::string xmlElement(std::string_view body, std::string_view tag) {
  const std::string open = "<" + std::string(tag) + ">";
  const auto start = body.find(open);
  if (start == std::string_view::npos) return {};
  const auto from = start + open.size();
  const auto end = body.find('<', from);
  if (end == std::string_view::npos || end - from > 128) return {};
  return std::string(body.substr(from, end - from));
}

long long millisSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start)
      .count();
}

}  // namespace

std::string awsRequestId(const http::Response& response) {
  for (const char* header : {"x-amzn-RequestId", "x-amz-request-id"}) {
    if (auto id = response.header(header); id && !id->empty()) return *id;
  }
  for (const char* tag : {"RequestID", "RequestId", "requestId"}) {
    if (auto id = xmlElement(response.body, tag); !id.empty()) return id;
  }
  return {};
}

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
  std::string lastRequestId;  // of the last reply, for the failure line
  for (int attempt = 1; attempt <= maxAttempts; ++attempt) {
    if (attempt > 1) {
      const Clock::Duration delay =
          fullJitterDelay(options_.retry, attempt - 1, last.isThrottled(), random_());
      awsLogger()->debug(
          "retrying {} call action={} attempt={} delay_ms={} request_id={} reason=\"{}\"", logName,
          request.action, attempt, std::chrono::duration_cast<std::chrono::milliseconds>(delay).count(),
          lastRequestId.empty() ? "none" : lastRequestId, last.toString());
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

    const auto started = std::chrono::steady_clock::now();
    auto response = http_.send(httpRequest);
    if (!response) {
      last = response.error().withContext(context);
      if (last.isCancelled()) return fail(last);  // shutting down: no retry, no failure line
      lastRequestId.clear();
      awsLogger()->debug("{} call got no reply action={} attempt={} duration_ms={} request_id=none error=\"{}\"",
                         logName, request.action, attempt, millisSince(started), last.message());
      if (last.isRetryable()) continue;  // no response (refused, reset, timeout): try again
      return fail(last);
    }
    const std::string requestId = awsRequestId(*response);
    awsLogger()->debug("{} call action={} attempt={} status={} duration_ms={} request_id={}", logName,
                       request.action, attempt, response->status, millisSince(started),
                       requestId.empty() ? "none" : requestId);
    if (response->status == 200) return std::move(response->body);
    last = decodeError_(request.action, *response);
    if (!requestId.empty() && last.message().find(requestId) == std::string::npos) {
      last = Status(last.code(), last.message() + " (request " + requestId + ")");
    }
    lastRequestId = requestId;
    if (!last.isRetryable()) return fail(last);
  }
  awsLogger()->warn("{} call failed action={} attempts={} request_id={} reason=\"{}\"", logName,
                    request.action, maxAttempts, lastRequestId.empty() ? "none" : lastRequestId,
                    last.toString());
  return fail(last);
}

}  // namespace gantry::cloudprovider::aws
