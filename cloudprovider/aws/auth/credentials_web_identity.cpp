// AssumeRoleWithWebIdentity over the STS Query API (version 2011-06-15). The request is
// unsigned: the web identity token is the proof.
#include "cloudprovider/aws/auth/credentials_web_identity.h"

#include <chrono>

#include "cloudprovider/aws/auth/credentials_util.h"
#include "cloudprovider/aws/transport/query_params.h"
#include "cloudprovider/aws/transport/aws_errors.h"
#include "cloudprovider/aws/transport/endpoints.h"
#include "cloudprovider/aws/transport/iso8601.h"
#include "cloudprovider/aws/transport/xml_reader.h"

namespace gantry::cloudprovider::aws {

WebIdentityCredentialsProvider::WebIdentityCredentialsProvider(EnvLookup env,
                                                               http::HttpClient& http, Clock& clock)
    : env_(std::move(env)), http_(http), clock_(clock) {}

Result<Credentials> WebIdentityCredentialsProvider::credentials() {
  const std::string roleArn = envOr(env_, "AWS_ROLE_ARN");
  const std::string tokenFile = envOr(env_, "AWS_WEB_IDENTITY_TOKEN_FILE");
  if (roleArn.empty() && tokenFile.empty()) {
    return fail(Status::notFound("AWS_ROLE_ARN and AWS_WEB_IDENTITY_TOKEN_FILE are not set"));
  }
  if (roleArn.empty() || tokenFile.empty()) {
    return fail(
        Status::invalid("web identity needs both AWS_ROLE_ARN and AWS_WEB_IDENTITY_TOKEN_FILE"));
  }
  auto token = readTextFile(tokenFile);
  if (!token) {
    // A configured but missing token file is a broken setup, not an absent source.
    if (token.error().isNotFound()) return fail(Status::invalid(token.error().message()));
    return fail(token.error());
  }
  const std::string sessionName =
      envOr(env_, "AWS_ROLE_SESSION_NAME",
            "gantry-" + std::to_string(std::chrono::duration_cast<std::chrono::seconds>(
                                           clock_.now().time_since_epoch())
                                           .count()));
  const std::string region = regionFromEnvironment(env_).value_or("");
  const std::string endpoint = resolveEndpoint("sts", region, env_);

  QueryParams params("AssumeRoleWithWebIdentity", "2011-06-15");
  params.add("RoleArn", roleArn);
  params.add("RoleSessionName", sessionName);
  params.add("WebIdentityToken", std::string(trimSpaces(*token)));
  auto response =
      http_.send({.method = "POST",
                  .url = endpoint + "/",
                  .headers = {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"},
                              {"Accept", "text/xml"}},
                  .body = params.encode(),
                  .timeout = std::chrono::seconds(10)});
  if (!response) return fail(response.error().withContext("STS AssumeRoleWithWebIdentity"));
  if (response->status != 200) {
    return fail(
        awsErrorStatus("STS", "AssumeRoleWithWebIdentity", response->status, response->body));
  }
  auto doc = parseXml(response->body);
  if (!doc || doc->name != "AssumeRoleWithWebIdentityResponse") {
    return fail(Status::invalid("STS AssumeRoleWithWebIdentity: unexpected response document"));
  }
  const XmlNode* c = doc->find("AssumeRoleWithWebIdentityResult/Credentials");
  if (c == nullptr) return fail(Status::invalid("STS AssumeRoleWithWebIdentity: no Credentials"));
  Credentials out;
  out.source = "web-identity";
  out.accessKeyId = c->textAt("AccessKeyId");
  out.secretAccessKey = c->textAt("SecretAccessKey");
  out.sessionToken = c->textAt("SessionToken");
  auto expiration = parseIso8601(c->textAt("Expiration"));
  if (out.accessKeyId.empty() || out.secretAccessKey.empty() || out.sessionToken.empty() ||
      !expiration) {
    return fail(Status::invalid("STS AssumeRoleWithWebIdentity: incomplete Credentials"));
  }
  out.expiration = *expiration;
  return out;
}

}  // namespace gantry::cloudprovider::aws
