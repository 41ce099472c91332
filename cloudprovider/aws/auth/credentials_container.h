// EKS Pod Identity (and the ECS task role endpoint it shares a protocol with): an HTTP GET
// to a link-local agent, authorised by a token the kubelet projects into the pod.
#pragma once

#include "cloudprovider/aws/transport/credentials.h"
#include "src/http/http_client.h"

namespace gantry::cloudprovider::aws {

// Configured by AWS_CONTAINER_CREDENTIALS_FULL_URI (EKS: http://169.254.170.23/v1/credentials)
// or AWS_CONTAINER_CREDENTIALS_RELATIVE_URI (ECS, appended to http://169.254.170.2), with
// the Authorization header from AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE (re-read on every
// call: it rotates) or AWS_CONTAINER_AUTHORIZATION_TOKEN.
// A full URI must be https or point at loopback or the EKS/ECS agent addresses
// (169.254.170.2, 169.254.170.23, fd00:ec2::23), as the AWS SDKs require: otherwise kInvalid.
// kNotFound when neither URI variable is set; kUnavailable when the agent cannot be reached
// or answers 5xx; kUnauthorized on 401/403. `http` must outlive the provider. Thread-safe.
class ContainerCredentialsProvider final : public CredentialsProvider {
 public:
  ContainerCredentialsProvider(EnvLookup env, http::HttpClient& http);
  Result<Credentials> credentials() override;
  std::string_view name() const override { return "container"; }

 private:
  EnvLookup env_;
  http::HttpClient& http_;
};

}  // namespace gantry::cloudprovider::aws
