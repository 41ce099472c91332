// Endpoint rules kept to the services Gantry calls; the full AWS partition model is not
// needed for standard, China and (through overrides) test endpoints.
#include "cloudprovider/aws/transport/endpoints.h"

namespace gantry::cloudprovider::aws {
namespace {

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    if (c == '-') c = '_';
  }
  return out;
}

std::string withoutTrailingSlash(std::string url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

std::optional<std::string> nonEmpty(const EnvLookup& env, std::string_view name) {
  if (!env) return std::nullopt;
  auto v = env(name);
  if (!v || v->empty()) return std::nullopt;
  return v;
}

// The SDKs' switch that makes a process ignore endpoints configured outside the code.
bool ignoresConfiguredEndpoints(const EnvLookup& env) {
  auto v = nonEmpty(env, "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS");
  if (!v) return false;
  std::string value = *v;
  for (char& c : value) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  return value == "true";
}

}  // namespace

std::string defaultEndpoint(std::string_view service, std::string_view region) {
  if (service == "sts" && region.empty()) return "https://sts.amazonaws.com";
  const std::string suffix = region.starts_with("cn-") ? ".amazonaws.com.cn" : ".amazonaws.com";
  const std::string host = service == "pricing" ? "api.pricing" : std::string(service);
  return "https://" + host + "." + std::string(region) + suffix;
}

std::string resolveEndpoint(std::string_view service, std::string_view region, const EnvLookup& env,
                            std::string_view explicitOverride) {
  if (!explicitOverride.empty()) return withoutTrailingSlash(std::string(explicitOverride));
  if (ignoresConfiguredEndpoints(env)) return defaultEndpoint(service, region);
  if (auto v = nonEmpty(env, "AWS_ENDPOINT_URL_" + upper(service))) {
    return withoutTrailingSlash(*v);
  }
  if (auto v = nonEmpty(env, "AWS_ENDPOINT_URL")) return withoutTrailingSlash(*v);
  return defaultEndpoint(service, region);
}

std::optional<std::string> regionFromEnvironment(const EnvLookup& env) {
  if (auto v = nonEmpty(env, "AWS_REGION")) return v;
  return nonEmpty(env, "AWS_DEFAULT_REGION");
}

}  // namespace gantry::cloudprovider::aws
