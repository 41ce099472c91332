// The AWS JSON 1.0/1.1 protocol (SSM, Price List, SQS, ...) in one place: a POST / with
// X-Amz-Target over the shared SignedTransport (signing, retries), and error bodies turned
// into typed Status. Each JSON client (ssm_api.cpp, pricing_api.cpp, sqs_api.cpp) only
// encodes its request and parses its reply.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "cloudprovider/aws/transport/credentials.h"
#include "cloudprovider/aws/transport/retry.h"
#include "cloudprovider/aws/transport/signed_transport.h"
#include "src/common/clock.h"
#include "src/common/status.h"
#include "src/http/http_client.h"

namespace gantry::cloudprovider::aws {

// Maps a service-specific error code ("ParameterNotFound", '#'/':' decorations removed) to a
// StatusCode; nullopt (or kOk) keeps the generic classifyAwsError() kind.
using JsonErrorCodeMapper = std::function<std::optional<StatusCode>(std::string_view code)>;

// The Status of a failed JSON-protocol reply: the code from the x-amzn-ErrorType header,
// else the body's "__type" (after any '#', before any ':'), and its "message"/"Message".
// Text: "<service> <action>: <Code>[: <message>]", or "<service> <action>: HTTP <n>[: <printable
// body excerpt>]" when there is no code. Never kOk. Pure; never throws on hostile input.
Status jsonErrorStatus(std::string_view service, std::string_view action,
                       const http::Response& response, const JsonErrorCodeMapper& mapCode = {});

struct JsonProtocolOptions {
  std::string service{};   // label for messages and logs: "SSM", "Pricing"
  std::string endpoint{};  // full URL without trailing '/', already resolved
  std::string signingRegion{};
  std::string signingService{};  // SigV4 service name: "ssm", "pricing", "sqs"
  // The protocol version is only this header: JSON 1.1 for SSM and Pricing, 1.0 for SQS.
  std::string contentType{"application/x-amz-json-1.1"};
  RetryOptions retry{};
  std::chrono::milliseconds requestTimeout{30000};
  JsonErrorCodeMapper mapErrorCode{};  // optional
};

// One service's JSON 1.1 client. The references must outlive this object. Thread-safe:
// call() may run concurrently (see SignedTransport).
class JsonProtocolClient {
 public:
  JsonProtocolClient(JsonProtocolOptions options, http::HttpClient& http,
                     CredentialsProvider& credentials, Clock& clock,
                     RandomSource random = defaultRandomSource());

  // Sends `body` to `target` ("AmazonSSM.GetParameter") and returns the body of the 200
  // reply, retried as SignedTransport::call says; error replies are read by jsonErrorStatus.
  Result<std::string> call(std::string_view target, const std::string& body) const;

  const std::string& endpoint() const { return transport_.endpoint(); }

 private:
  std::string contentType_;
  SignedTransport transport_;
};

}  // namespace gantry::cloudprovider::aws
