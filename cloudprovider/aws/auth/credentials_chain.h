// Composition of credential sources: a chain that takes the first configured source, and
// the default (cached) chain the controller uses.
#pragma once

#include <vector>

#include "cloudprovider/aws/transport/credentials.h"
#include "src/common/clock.h"
#include "src/http/http_client.h"

namespace gantry::cloudprovider::aws {

// Asks each provider in order. kNotFound ("not configured here") moves on; any other error
// stops the chain and is returned (a configured but broken source must not silently fall
// through to another identity). When every source is absent: kUnauthorized listing why each
// one was skipped. Thread-safe if the providers are.
class ChainCredentialsProvider final : public CredentialsProvider {
 public:
  explicit ChainCredentialsProvider(std::vector<CredentialsProviderPtr> providers);
  Result<Credentials> credentials() override;
  std::string_view name() const override { return "chain"; }

 private:
  std::vector<CredentialsProviderPtr> providers_;
};

// The default chain, cached: environment, shared files (profiles), IRSA web identity, EKS
// Pod Identity / container, IMDSv2. `http` and `clock` must outlive the result.
CredentialsProviderPtr makeDefaultCredentialsProvider(const EnvLookup& env, http::HttpClient& http,
                                                      Clock& clock);

}  // namespace gantry::cloudprovider::aws
