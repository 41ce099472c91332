// A tiny SSM Parameter Store client: only GetParameter, which Gantry needs to resolve the
// EKS-optimized AMI ids AWS publishes under /aws/service/eks/optimized-ami/... . SSM speaks
// the JSON 1.1 protocol (X-Amz-Target AmazonSSM.GetParameter), signed for service "ssm".
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "cloudprovider/aws/transport/credentials.h"
#include "cloudprovider/aws/transport/json_protocol.h"
#include "cloudprovider/aws/transport/retry.h"
#include "cloudprovider/aws/transport/sigv4.h"
#include "src/common/clock.h"
#include "src/common/status.h"
#include "src/http/http_client.h"

namespace gantry::cloudprovider::aws {

class SsmApi {
 public:
  virtual ~SsmApi() = default;
  // The value of one parameter. Errors: kNotFound (ParameterNotFound), kThrottled /
  // kUnavailable after retries, kUnauthorized, kForbidden (AccessDenied), kInvalid (a
  // response that is not the expected JSON). Thread-safe.
  virtual Result<std::string> getParameter(std::string_view name) = 0;
};

using SsmApiPtr = std::unique_ptr<SsmApi>;

struct JsonSsmApiOptions {
  std::string region{};    // REQUIRED
  std::string endpoint{};  // empty: resolveEndpoint("ssm", region, env)
  RetryOptions retry{};
  std::chrono::milliseconds requestTimeout{10000};
};

// References must outlive the client. Thread-safe.
class JsonSsmApi final : public SsmApi {
 public:
  JsonSsmApi(JsonSsmApiOptions options, http::HttpClient& http, CredentialsProvider& credentials,
             Clock& clock, const EnvLookup& env = processEnvironment(),
             RandomSource random = defaultRandomSource());

  Result<std::string> getParameter(std::string_view name) override;
  const std::string& endpoint() const { return client_.endpoint(); }

 private:
  JsonProtocolClient client_;
};

// The Status of a failed JSON-protocol call: the "__type" (namespace prefix removed) and
// "message" of the error body, classified like EC2 errors (ParameterNotFound -> kNotFound).
Status jsonProtocolError(std::string_view service, std::string_view action, int httpStatus,
                         std::string_view body);

}  // namespace gantry::cloudprovider::aws
