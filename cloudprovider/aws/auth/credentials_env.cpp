// The environment source, first in every AWS SDK chain.
#include "cloudprovider/aws/auth/credentials_env.h"

#include "cloudprovider/aws/transport/iso8601.h"

namespace gantry::cloudprovider::aws {
namespace {

std::string get(const EnvLookup& env, std::string_view name) {
  auto v = env(name);
  return v ? *v : std::string();
}

}  // namespace

Result<Credentials> EnvironmentCredentialsProvider::credentials() {
  Credentials out;
  out.source = "environment";
  out.accessKeyId = get(env_, "AWS_ACCESS_KEY_ID");
  if (out.accessKeyId.empty()) out.accessKeyId = get(env_, "AWS_ACCESS_KEY");
  out.secretAccessKey = get(env_, "AWS_SECRET_ACCESS_KEY");
  if (out.secretAccessKey.empty()) out.secretAccessKey = get(env_, "AWS_SECRET_KEY");
  if (out.accessKeyId.empty() && out.secretAccessKey.empty()) {
    return fail(Status::notFound("AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set"));
  }
  if (out.accessKeyId.empty() || out.secretAccessKey.empty()) {
    return fail(Status::invalid(
        "only one of AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY is set; both are needed"));
  }
  out.sessionToken = get(env_, "AWS_SESSION_TOKEN");
  if (const std::string expiration = get(env_, "AWS_CREDENTIAL_EXPIRATION"); !expiration.empty()) {
    auto t = parseIso8601(expiration);
    if (!t) return fail(t.error().withContext("AWS_CREDENTIAL_EXPIRATION"));
    out.expiration = *t;
  }
  return out;
}

}  // namespace gantry::cloudprovider::aws
