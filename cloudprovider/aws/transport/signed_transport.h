// The one signed-request transport under every AWS client (EC2 Query, SSM and Pricing JSON
// 1.1): a SigV4-signed POST to the service's endpoint, retried with full-jitter backoff
// (retry.h) while the failure is retryable, the last error returned. Each protocol only
// encodes its body and headers and turns its error replies into a Status; a fix to
// signing, retries or their logging lands in all of them at once.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "cloudprovider/aws/transport/credentials.h"
#include "cloudprovider/aws/transport/retry.h"
#include "cloudprovider/aws/transport/sigv4.h"
#include "cloudprovider/aws/transport/token_bucket.h"
#include "src/common/clock.h"
#include "src/common/status.h"
#include "src/http/http_client.h"

namespace gantry::cloudprovider::aws {

struct SignedTransportOptions {
  std::string service{};         // label for messages and logs: "EC2", "SSM", "Pricing"
  std::string endpoint{};        // full URL without trailing '/', already resolved
  std::string signingRegion{};
  std::string signingService{};  // SigV4 service name: "ec2", "ssm", "pricing"
  RetryOptions retry{};
  std::chrono::milliseconds requestTimeout{30000};
};

// The Status of a non-200 reply to `action`, in the protocol's own error format. Never kOk.
// Must be thread-safe.
using ErrorReplyDecoder =
    std::function<Status(std::string_view action, const http::Response& response)>;

struct SignedRequest {
  std::string action{};                // "RunInstances", "GetParameter": messages and logs
  std::vector<http::Header> headers{};  // the protocol's Content-Type, X-Amz-Target, ...
  std::string body{};
  // When set, one token is taken before every attempt, retries included (EC2's client-side
  // budget for mutating calls). Non-owning; REQUIRES: outlives the call.
  TokenBucket* budget = nullptr;
};

// The id AWS gives each reply, for support cases and for matching a log line to CloudTrail:
// the x-amzn-RequestId or x-amz-request-id header, else the <RequestID>, <RequestId> or
// <requestId> element of an XML body; "" when there is none.
std::string awsRequestId(const http::Response& response);

// The references must outlive this object. Thread-safe: call() may run concurrently (the
// signer, the credentials provider and the RandomSource are thread-safe).
class SignedTransport {
 public:
  SignedTransport(SignedTransportOptions options, ErrorReplyDecoder decodeError,
                  http::HttpClient& http, CredentialsProvider& credentials, Clock& clock,
                  RandomSource random = defaultRandomSource());

  // Sends the request and returns the body of the 200 reply. Credentials errors, transport
  // failures (no reply: refused, reset, timed out) and error replies whose Status is
  // retryable (throttled, 5xx, unavailable) are retried up to retry.maxAttempts in all, the
  // waits going through Clock::sleepFor; the last error is then returned. Other errors, and
  // a request that cannot be signed, return at once. Error texts start "<service> <action>"
  // and end with the reply's request id ("(request <id>)") when there was a reply. Every
  // attempt is logged at debug level with its request id; a call abandoned for shutdown
  // (kCancelled) is neither retried nor logged as a failure.
  Result<std::string> call(const SignedRequest& request) const;

  const std::string& endpoint() const { return options_.endpoint; }

 private:
  SignedTransportOptions options_;
  ErrorReplyDecoder decodeError_;
  http::HttpClient& http_;
  CredentialsProvider& credentials_;
  Clock& clock_;
  RandomSource random_;
  SigV4Signer signer_;
};

}  // namespace gantry::cloudprovider::aws
