// The order follows the AWS SDKs' default chain.
#include "cloudprovider/aws/auth/credentials_chain.h"

#include "cloudprovider/aws/auth/credentials_cache.h"
#include "cloudprovider/aws/auth/credentials_container.h"
#include "cloudprovider/aws/auth/credentials_env.h"
#include "cloudprovider/aws/auth/credentials_files.h"
#include "cloudprovider/aws/auth/credentials_imds.h"
#include "cloudprovider/aws/auth/credentials_web_identity.h"

namespace gantry::cloudprovider::aws {

ChainCredentialsProvider::ChainCredentialsProvider(std::vector<CredentialsProviderPtr> providers)
    : providers_(std::move(providers)) {}

Result<Credentials> ChainCredentialsProvider::credentials() {
  std::string skipped;
  for (const auto& provider : providers_) {
    auto result = provider->credentials();
    if (result) {
      if (result->source.empty()) result->source = std::string(provider->name());
      return result;
    }
    if (!result.error().isNotFound()) {
      return fail(
          result.error().withContext("AWS credentials from " + std::string(provider->name())));
    }
    if (!skipped.empty()) skipped += "; ";
    skipped += std::string(provider->name()) + ": " + result.error().message();
  }
  return fail(Status::unauthorized("no AWS credentials found (" + skipped + ")"));
}

CredentialsProviderPtr makeDefaultCredentialsProvider(const EnvLookup& env, http::HttpClient& http,
                                                      Clock& clock) {
  std::vector<CredentialsProviderPtr> chain;
  chain.push_back(std::make_unique<EnvironmentCredentialsProvider>(env));
  chain.push_back(std::make_unique<SharedFilesCredentialsProvider>(env));
  chain.push_back(std::make_unique<WebIdentityCredentialsProvider>(env, http, clock));
  chain.push_back(std::make_unique<ContainerCredentialsProvider>(env, http));
  chain.push_back(std::make_unique<ImdsCredentialsProvider>(env, http, clock));
  return std::make_unique<CachingCredentialsProvider>(
      std::make_unique<ChainCredentialsProvider>(std::move(chain)), clock);
}

}  // namespace gantry::cloudprovider::aws
