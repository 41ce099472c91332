// File and JSON plumbing for the credential sources. Errors never echo file contents or
// documents: they may hold secrets.
#include "cloudprovider/aws/auth/credentials_util.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

#include "cloudprovider/aws/transport/iso8601.h"

namespace gantry::cloudprovider::aws {

Result<std::string> readTextFile(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return fail(Status::notFound("no file " + path));
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(Status::unavailable("cannot open " + path));
  std::ostringstream out;
  out << in.rdbuf();
  if (in.bad()) return fail(Status::unavailable("cannot read " + path));
  return out.str();
}

std::string_view trimSpaces(std::string_view s) {
  while (!s.empty() &&
         (s.front() == ' ' || s.front() == '\t' || s.front() == '\r' || s.front() == '\n')) {
    s.remove_prefix(1);
  }
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) {
    s.remove_suffix(1);
  }
  return s;
}

std::string envOr(const EnvLookup& env, std::string_view name, std::string fallback) {
  if (!env) return fallback;
  auto v = env(name);
  return v && !v->empty() ? *v : fallback;
}

Result<Credentials> parseJsonCredentials(std::string_view json, std::string_view what) {
  const auto doc = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) {
    return fail(Status::invalid(std::string(what) + ": credentials document is not a JSON object"));
  }
  auto text = [&](const char* key) -> std::string {
    const auto it = doc.find(key);
    return it != doc.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  if (const std::string code = text("Code"); !code.empty() && code != "Success") {
    return fail(Status::unavailable(std::string(what) + ": credentials not ready: " + code));
  }
  Credentials out;
  out.accessKeyId = text("AccessKeyId");
  out.secretAccessKey = text("SecretAccessKey");
  out.sessionToken = text("Token");
  if (out.accessKeyId.empty() || out.secretAccessKey.empty()) {
    return fail(Status::invalid(std::string(what) + ": credentials document lacks keys"));
  }
  if (const std::string expiration = text("Expiration"); !expiration.empty()) {
    auto t = parseIso8601(expiration);
    if (!t) return fail(t.error().withContext(std::string(what) + ": Expiration"));
    out.expiration = *t;
  }
  return out;
}

}  // namespace gantry::cloudprovider::aws
