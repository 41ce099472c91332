// AWS credentials and the seam that produces them. Every source (environment, shared files,
// IRSA web identity, EKS Pod Identity, IMDSv2) implements CredentialsProvider; a chain and a
// cache compose them (credentials_chain.h). Credentials never reach a log in clear text.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>

#include "src/common/clock.h"
#include "src/common/status.h"

namespace gantry::cloudprovider::aws {

struct Credentials {
  std::string accessKeyId{};
  std::string secretAccessKey{};
  std::string sessionToken{};                    // empty for long-term keys
  std::optional<Clock::TimePoint> expiration{};  // nullopt: never expires
  std::string source{};  // the provider that produced them, e.g. "environment" (for logs)

  // True when the credentials expire at or before `t`.
  bool expiresBy(Clock::TimePoint t) const { return expiration && *expiration <= t; }
  // "Credentials{source=..., accessKeyId=AKIA****, sessionToken=<set>, expiration=...}":
  // the secret and the token are never printed; only a prefix of the key id is.
  std::string redacted() const;
};

// Redacted, like redacted(): makes gtest failure messages and stream logging safe.
std::ostream& operator<<(std::ostream& os, const Credentials& credentials);

class CredentialsProvider {
 public:
  virtual ~CredentialsProvider() = default;

  // Returns usable credentials. Errors:
  //   kNotFound     this source is not configured here (a chain moves on to the next);
  //   kUnauthorized the source is configured but its credentials were rejected;
  //   kUnavailable  its endpoint (STS, IMDS, Pod Identity agent) could not be reached;
  //   kInvalid      malformed configuration or response.
  // May block on network I/O. Thread-safe.
  virtual Result<Credentials> credentials() = 0;

  // A short stable name for logs and errors: "environment", "web-identity", ...
  virtual std::string_view name() const = 0;
};

using CredentialsProviderPtr = std::unique_ptr<CredentialsProvider>;

// Looks up an environment variable; injected so tests never touch the process environment.
// Returns nullopt when unset. Implementations must be thread-safe.
using EnvLookup = std::function<std::optional<std::string>(std::string_view name)>;

// Reads the real process environment (getenv). Only call from code that does not also
// modify the environment concurrently.
EnvLookup processEnvironment();

}  // namespace gantry::cloudprovider::aws
