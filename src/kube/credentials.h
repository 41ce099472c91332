// Bearer-token sources for the Kubernetes client: a fixed token, a token file re-read as it
// rotates (in-cluster service accounts, kubeconfig `tokenFile`), and exec credential plugins
// (`aws eks get-token`, `gke-gcloud-auth-plugin`) run on demand and cached until they expire.
// The RestClient asks its TokenSource before every request, so rotation needs no restart.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "src/common/clock.h"
#include "src/common/status.h"

namespace gantry::kube {

// Supplies the bearer token for the next request. Thread-safe.
class TokenSource {
 public:
  virtual ~TokenSource() = default;
  // The current token; "" means send no Authorization header. Errors: kUnauthorized when no token can be produced (unreadable
  // file, failing plugin); the message never contains the token.
  virtual Result<std::string> token() = 0;
  // The server rejected the last token (401): drop any cache so the next token() is fresh.
  virtual void invalidate() {}
};

using TokenSourcePtr = std::unique_ptr<TokenSource>;

// Always the same token.
TokenSourcePtr makeStaticTokenSource(std::string token);

// Reads `path` (surrounding whitespace trimmed) and re-reads it once `refresh` has passed on
// `clock`, as client-go does for projected service-account tokens that the kubelet rotates.
// REQUIRES: clock outlives the source.
TokenSourcePtr makeFileTokenSource(std::string path, Clock& clock,
                                   Clock::Duration refresh = std::chrono::minutes(1));

// users[].user.exec of a kubeconfig.
struct ExecConfig {
  std::string command{};
  std::vector<std::string> args{};
  std::vector<std::pair<std::string, std::string>> env{};  // added to the inherited environment
  std::string apiVersion = "client.authentication.k8s.io/v1beta1";
};

// What a plugin printed: ExecCredential.status.
struct ExecCredential {
  std::string token{};
  std::string clientCertificateData{};  // PEM
  std::string clientKeyData{};          // PEM
  std::optional<Clock::TimePoint> expiration{};  // nullopt: valid until rejected
};

// Runs the plugin and returns its standard output. The default runs the command (looked up
// on PATH) with stdin from /dev/null, stderr passed through, KUBERNETES_EXEC_INFO set.
// Errors: kUnauthorized when it cannot start or exits non-zero.
using ExecRunner = std::function<Result<std::string>(const ExecConfig&)>;
Result<std::string> runExecPlugin(const ExecConfig& config);

// Parses an ExecCredential JSON document. Errors: kUnauthorized for malformed output, a wrong
// kind, or a status with neither a token nor a certificate/key pair.
Result<ExecCredential> parseExecCredential(std::string_view text);

// Parses an RFC 3339 timestamp ("2026-01-02T03:04:05Z", fractional seconds and numeric
// offsets accepted). Errors: kInvalid.
Result<Clock::TimePoint> parseRfc3339(std::string_view text);

// Runs the plugin when first asked and again once the cached credential is within `skew` of
// its expirationTimestamp, or after invalidate(). Thread-safe: one run at a time.
class ExecCredentialCache {
 public:
  ExecCredentialCache(ExecConfig config, Clock& clock, ExecRunner runner = runExecPlugin,
                      Clock::Duration skew = std::chrono::seconds(10))
      : config_(std::move(config)), clock_(clock), runner_(std::move(runner)), skew_(skew) {}

  Result<ExecCredential> get();
  void invalidate();

 private:
  ExecConfig config_;
  Clock& clock_;
  ExecRunner runner_;
  Clock::Duration skew_;
  std::mutex mu_;
  std::optional<ExecCredential> cached_;  // guarded by mu_
};

// A TokenSource over a shared ExecCredentialCache. Its token is "" when the plugin gave only
// a certificate (which goes into TLS instead); callers send no Authorization header then.
TokenSourcePtr makeExecTokenSource(std::shared_ptr<ExecCredentialCache> cache);

}  // namespace gantry::kube
