// Bind-address parsing. Host names other than localhost are refused rather than resolved:
// a listen address that depends on DNS at start-up is a misconfiguration waiting to happen.
#include "src/cmd/bind_address.h"

#include <arpa/inet.h>

#include <charconv>

namespace gantry::cmd {

std::string BindAddress::listenSpec() const {
  if (host.empty()) return "0.0.0.0:" + std::to_string(port);
  return (ipv6() ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

std::string BindAddress::toString() const {
  return (host.empty() ? "" : ipv6() ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

Result<BindAddress> parseBindAddress(const std::string& flag, const std::string& text) {
  const auto bad = [&](const std::string& why) {
    return fail(Status::invalid("--" + flag + ": bad address \"" + text + "\": " + why +
                                " (want host:port, e.g. :8080 or 127.0.0.1:8080)"));
  };
  const auto colon = text.rfind(':');
  if (colon == std::string::npos) return bad("no port");
  std::string host = text.substr(0, colon);
  const std::string portText = text.substr(colon + 1);
  int port = -1;
  auto [end, ec] = std::from_chars(portText.data(), portText.data() + portText.size(), port);
  if (portText.empty() || ec != std::errc() || end != portText.data() + portText.size() || port < 0 ||
      port > 65535) {
    return bad("port must be 0-65535");
  }
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
    in6_addr v6{};
    if (::inet_pton(AF_INET6, host.c_str(), &v6) != 1) return bad("not an IPv6 address");
  } else if (host.find(':') != std::string::npos) {
    return bad("an IPv6 address needs brackets, e.g. [::1]:8080");
  } else if (host == "localhost") {
    host = "127.0.0.1";
  } else if (!host.empty()) {
    in_addr v4{};
    if (::inet_pton(AF_INET, host.c_str(), &v4) != 1) return bad("host must be an IP address or localhost");
  }
  return BindAddress{.host = host, .port = port};
}

}  // namespace gantry::cmd
