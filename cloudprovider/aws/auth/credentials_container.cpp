// The container credentials protocol: GET with an Authorization token, JSON answer with
// AccessKeyId/SecretAccessKey/Token/Expiration. The host allow-list keeps a tampered
// environment from sending the pod's token to an arbitrary server.
#include "cloudprovider/aws/auth/credentials_container.h"

#include <chrono>

#include "cloudprovider/aws/auth/credentials_util.h"
#include "src/http/url.h"

namespace gantry::cloudprovider::aws {
namespace {

constexpr std::string_view kEcsHost = "http://169.254.170.2";

bool allowedHost(const http::Url& url) {
  if (url.scheme == "https") return true;
  const std::string& h = url.host;
  return h == "localhost" || h.starts_with("127.") || h == "[::1]" || h == "169.254.170.2" ||
         h == "169.254.170.23" || h == "[fd00:ec2::23]";
}

}  // namespace

ContainerCredentialsProvider::ContainerCredentialsProvider(EnvLookup env, http::HttpClient& http)
    : env_(std::move(env)), http_(http) {}

Result<Credentials> ContainerCredentialsProvider::credentials() {
  std::string uri = envOr(env_, "AWS_CONTAINER_CREDENTIALS_FULL_URI");
  if (uri.empty()) {
    const std::string relative = envOr(env_, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
    if (relative.empty()) {
      return fail(Status::notFound("AWS_CONTAINER_CREDENTIALS_FULL_URI is not set"));
    }
    uri = std::string(kEcsHost) + (relative.starts_with('/') ? "" : "/") + relative;
  }
  auto url = http::parseUrl(uri);
  if (!url) return fail(url.error().withContext("AWS_CONTAINER_CREDENTIALS_FULL_URI"));
  if (!allowedHost(*url)) {
    return fail(Status::invalid("AWS_CONTAINER_CREDENTIALS_FULL_URI host " + url->host +
                                " is not https, loopback or a container agent address"));
  }

  http::Request request{.method = "GET", .url = uri, .timeout = std::chrono::seconds(5)};
  std::string token;
  if (const std::string tokenFile = envOr(env_, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
      !tokenFile.empty()) {
    auto text = readTextFile(tokenFile);
    if (!text) {
      if (text.error().isNotFound()) return fail(Status::invalid(text.error().message()));
      return fail(text.error());
    }
    token = std::string(trimSpaces(*text));
  } else {
    token = envOr(env_, "AWS_CONTAINER_AUTHORIZATION_TOKEN");
  }
  if (token.find_first_of("\r\n") != std::string::npos) {
    return fail(Status::invalid("container authorization token contains a line break"));
  }
  if (!token.empty()) request.headers.push_back({"Authorization", token});
  request.headers.push_back({"Accept", "application/json"});

  auto response = http_.send(request);
  if (!response) return fail(response.error().withContext("container credentials"));
  if (response->status != 200) {
    const std::string msg =
        "container credentials endpoint answered HTTP " + std::to_string(response->status);
    if (response->status == 401 || response->status == 403) return fail(Status::unauthorized(msg));
    if (response->status == 429) return fail(Status::throttled(msg));
    if (response->status >= 500) return fail(Status::unavailable(msg));
    return fail(Status::invalid(msg));
  }
  auto creds = parseJsonCredentials(response->body, "container credentials");
  if (!creds) return creds;
  creds->source = "container";
  return creds;
}

}  // namespace gantry::cloudprovider::aws
