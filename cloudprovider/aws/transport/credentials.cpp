// Redacted printing of credentials and access to the process environment.
#include "cloudprovider/aws/transport/credentials.h"

#include <algorithm>
#include <cstdlib>

#include "cloudprovider/aws/transport/iso8601.h"

namespace gantry::cloudprovider::aws {

std::string Credentials::redacted() const {
  std::string out = "Credentials{source=" + (source.empty() ? std::string("?") : source);
  out += ", accessKeyId=" + accessKeyId.substr(0, std::min<std::size_t>(4, accessKeyId.size())) +
         "****";
  out += sessionToken.empty() ? ", sessionToken=<none>" : ", sessionToken=<set>";
  out += ", expiration=" + (expiration ? formatIso8601(*expiration) : std::string("never")) + "}";
  return out;
}

std::ostream& operator<<(std::ostream& os, const Credentials& credentials) {
  return os << credentials.redacted();
}

EnvLookup processEnvironment() {
  return [](std::string_view name) -> std::optional<std::string> {
    const char* value = std::getenv(std::string(name).c_str());
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  };
}

}  // namespace gantry::cloudprovider::aws
