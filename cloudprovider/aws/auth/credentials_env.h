// Credentials that are simply given: from environment variables, or from values passed in
// (configuration, tests).
#pragma once

#include "cloudprovider/aws/transport/credentials.h"

namespace gantry::cloudprovider::aws {

// AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY (+ AWS_SESSION_TOKEN, and
// AWS_CREDENTIAL_EXPIRATION as ISO 8601 when the keys are temporary).
// kNotFound when neither key variable is set; kInvalid when only one is, or the expiration
// does not parse. Reads the environment on every call. Thread-safe if `env` is.
class EnvironmentCredentialsProvider final : public CredentialsProvider {
 public:
  explicit EnvironmentCredentialsProvider(EnvLookup env) : env_(std::move(env)) {}
  Result<Credentials> credentials() override;
  std::string_view name() const override { return "environment"; }

 private:
  EnvLookup env_;
};

// Always returns the credentials it was built with. Thread-safe.
class StaticCredentialsProvider final : public CredentialsProvider {
 public:
  explicit StaticCredentialsProvider(Credentials credentials)
      : credentials_(std::move(credentials)) {
    if (credentials_.source.empty()) credentials_.source = "static";
  }
  Result<Credentials> credentials() override { return credentials_; }
  std::string_view name() const override { return "static"; }

 private:
  Credentials credentials_;
};

}  // namespace gantry::cloudprovider::aws
