// IRSA (IAM Roles for Service Accounts): a projected service-account token exchanged for
// role credentials with STS AssumeRoleWithWebIdentity, which needs no signing.
#pragma once

#include "cloudprovider/aws/transport/credentials.h"
#include "src/common/clock.h"
#include "src/http/http_client.h"

namespace gantry::cloudprovider::aws {

// Configured by AWS_ROLE_ARN and AWS_WEB_IDENTITY_TOKEN_FILE (both required; kNotFound when
// neither is set, kInvalid when only one is), AWS_ROLE_SESSION_NAME (default
// "gantry-<unix seconds>"), the region from AWS_REGION/AWS_DEFAULT_REGION (regional STS
// endpoint; the global one without a region) and AWS_ENDPOINT_URL_STS / AWS_ENDPOINT_URL.
// The token file is re-read on every call because the kubelet rotates it.
// Errors: STS errors mapped like EC2's (an invalid or expired token is kUnauthorized);
// kUnavailable when STS cannot be reached. No retries here: callers retry retryable errors.
// `http` and `clock` must outlive the provider. Thread-safe.
class WebIdentityCredentialsProvider final : public CredentialsProvider {
 public:
  WebIdentityCredentialsProvider(EnvLookup env, http::HttpClient& http, Clock& clock);
  Result<Credentials> credentials() override;
  std::string_view name() const override { return "web-identity"; }

 private:
  EnvLookup env_;
  http::HttpClient& http_;
  Clock& clock_;
};

}  // namespace gantry::cloudprovider::aws
