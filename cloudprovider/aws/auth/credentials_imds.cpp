// IMDSv2 only: the token PUT cannot be forwarded by a misconfigured proxy or an SSRF, which
// is the point of v2, so there is deliberately no fallback to v1.
#include "cloudprovider/aws/auth/credentials_imds.h"

#include <chrono>

#include "cloudprovider/aws/auth/credentials_util.h"

namespace gantry::cloudprovider::aws {
namespace {

constexpr auto kTimeout = std::chrono::milliseconds(1000);
constexpr std::string_view kCredentialsPath = "/latest/meta-data/iam/security-credentials/";

bool isTrue(const std::string& v) {
  return v == "true" || v == "TRUE" || v == "True" || v == "1";
}

}  // namespace

ImdsCredentialsProvider::ImdsCredentialsProvider(EnvLookup env, http::HttpClient& http,
                                                 Clock& clock)
    : env_(std::move(env)), http_(http), clock_(clock) {}

Result<std::string> ImdsCredentialsProvider::sessionToken(const std::string& endpoint) {
  std::lock_guard lock(mu_);
  if (!token_.empty() && clock_.now() < tokenExpiry_) return token_;
  auto response = http_.send(
      {.method = "PUT",
       .url = endpoint + "/latest/api/token",
       .headers = {{"X-aws-ec2-metadata-token-ttl-seconds", std::to_string(kTokenTtlSeconds)}},
       .timeout = kTimeout});
  if (!response) return fail(response.error().withContext("IMDS token"));
  if (response->status != 200 || response->body.empty()) {
    const std::string msg = "IMDS token request answered HTTP " + std::to_string(response->status);
    // 403: IMDS is disabled on this instance; 404/405: not an IMDSv2 endpoint.
    if (response->status == 403 || response->status == 404 || response->status == 405) {
      return fail(Status::notFound(msg));
    }
    return fail(Status::unavailable(msg));
  }
  token_ = std::string(trimSpaces(response->body));
  // Renew a minute early so a token never expires between fetch and use.
  tokenExpiry_ = clock_.now() + std::chrono::seconds(kTokenTtlSeconds - 60);
  return token_;
}

Result<http::Response> ImdsCredentialsProvider::get(const std::string& endpoint,
                                                    const std::string& path) {
  auto token = sessionToken(endpoint);
  if (!token) return fail(token.error());
  auto response = http_.send({.method = "GET",
                              .url = endpoint + path,
                              .headers = {{"X-aws-ec2-metadata-token", *token}},
                              .timeout = kTimeout});
  if (!response) return fail(response.error().withContext("IMDS"));
  if (response->status == 401) {
    // The token was rejected (IMDS restarted, clock jump): drop it so the next call refetches.
    std::lock_guard lock(mu_);
    token_.clear();
    return fail(Status::unavailable("IMDS rejected the session token"));
  }
  return response;
}

Result<Credentials> ImdsCredentialsProvider::credentials() {
  if (isTrue(envOr(env_, "AWS_EC2_METADATA_DISABLED"))) {
    return fail(Status::notFound("IMDS disabled by AWS_EC2_METADATA_DISABLED"));
  }
  std::string endpoint = envOr(env_, "AWS_EC2_METADATA_SERVICE_ENDPOINT");
  if (endpoint.empty()) {
    const std::string mode = envOr(env_, "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE");
    endpoint =
        (mode == "IPv6" || mode == "ipv6") ? "http://[fd00:ec2::254]" : "http://169.254.169.254";
  }
  while (!endpoint.empty() && endpoint.back() == '/') endpoint.pop_back();

  auto roles = get(endpoint, std::string(kCredentialsPath));
  if (!roles) return fail(roles.error());
  if (roles->status == 404) return fail(Status::notFound("no IAM role attached to this instance"));
  if (roles->status != 200) {
    return fail(Status::unavailable("IMDS answered HTTP " + std::to_string(roles->status)));
  }
  const std::string_view list = trimSpaces(roles->body);
  const std::string role(trimSpaces(list.substr(0, list.find('\n'))));
  if (role.empty()) return fail(Status::notFound("no IAM role attached to this instance"));
  if (role.find_first_of("/?#%") != std::string::npos) {
    return fail(Status::invalid("IMDS returned a malformed role name"));
  }

  auto doc = get(endpoint, std::string(kCredentialsPath) + role);
  if (!doc) return fail(doc.error());
  if (doc->status == 404) return fail(Status::notFound("IMDS has no credentials for role " + role));
  if (doc->status != 200) {
    return fail(Status::unavailable("IMDS answered HTTP " + std::to_string(doc->status)));
  }
  auto creds = parseJsonCredentials(doc->body, "IMDS");
  if (!creds) return creds;
  creds->source = "imds";
  return creds;
}

}  // namespace gantry::cloudprovider::aws
