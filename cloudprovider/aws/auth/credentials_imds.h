// The EC2 instance profile through IMDSv2: a session token from PUT /latest/api/token, then
// the role name and its credentials from /latest/meta-data/iam/security-credentials/.
#pragma once

#include <mutex>
#include <string>

#include "cloudprovider/aws/transport/credentials.h"
#include "src/common/clock.h"
#include "src/http/http_client.h"

namespace gantry::cloudprovider::aws {

// Endpoint: AWS_EC2_METADATA_SERVICE_ENDPOINT, else http://169.254.169.254 (or
// http://[fd00:ec2::254] when AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE=IPv6).
// AWS_EC2_METADATA_DISABLED=true turns the source off (kNotFound). Short timeouts (1 s per
// request), since off EC2 nothing answers. Errors: kNotFound when no role is attached (404);
// kUnavailable when IMDS cannot be reached or answers 5xx; kInvalid for a bad document.
// The session token is cached until shortly before its TTL ends.
// `http` and `clock` must outlive the provider. Thread-safe.
class ImdsCredentialsProvider final : public CredentialsProvider {
 public:
  ImdsCredentialsProvider(EnvLookup env, http::HttpClient& http, Clock& clock);
  Result<Credentials> credentials() override;
  std::string_view name() const override { return "imds"; }

  static constexpr int kTokenTtlSeconds = 21600;

 private:
  Result<std::string> sessionToken(const std::string& endpoint);
  Result<http::Response> get(const std::string& endpoint, const std::string& path);

  EnvLookup env_;
  http::HttpClient& http_;
  Clock& clock_;
  std::mutex mu_;
  std::string token_;               // guarded by mu_
  Clock::TimePoint tokenExpiry_{};  // guarded by mu_
};

}  // namespace gantry::cloudprovider::aws
