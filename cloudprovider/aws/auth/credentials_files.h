// The shared credentials and config files (~/.aws/credentials, ~/.aws/config) with named
// profiles, as the AWS CLI and SDKs read them. Static keys only: role chaining
// (source_profile), SSO and credential_process are reported as kUnimplemented.
#pragma once

#include <map>
#include <string>

#include "cloudprovider/aws/transport/credentials.h"

namespace gantry::cloudprovider::aws {

// Section name -> key -> value. Config-file sections "[profile x]" are stored as "x";
// comments (# ;) and indented sub-properties are dropped; keys are lowercased.
using IniProfiles = std::map<std::string, std::map<std::string, std::string>>;
IniProfiles parseIniProfiles(std::string_view text, bool configFile);

// Profile: AWS_PROFILE, else AWS_DEFAULT_PROFILE, else "default". Files:
// AWS_SHARED_CREDENTIALS_FILE (default $HOME/.aws/credentials) and AWS_CONFIG_FILE (default
// $HOME/.aws/config); the credentials file wins where both set a key.
// kNotFound when neither file has the default profile; kInvalid when an explicitly named
// profile is missing or has only one of the two keys. Reads the files on every call (the
// caching provider above decides how often). Thread-safe if `env` is.
class SharedFilesCredentialsProvider final : public CredentialsProvider {
 public:
  explicit SharedFilesCredentialsProvider(EnvLookup env) : env_(std::move(env)) {}
  Result<Credentials> credentials() override;
  std::string_view name() const override { return "shared-files"; }

 private:
  EnvLookup env_;
};

}  // namespace gantry::cloudprovider::aws
