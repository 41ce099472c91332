// `host:port` listen addresses for the controller's servers (--metrics-bind-address,
// --health-bind-address), in controller-runtime's spelling: ":8080" is every interface,
// "127.0.0.1:0" loopback on a free port, "[::1]:8081" an IPv6 address.
#pragma once

#include <string>

#include "src/common/status.h"

namespace gantry::cmd {

struct BindAddress {
  std::string host{};  // an IPv4 or IPv6 literal (no brackets); "" = every interface
  int port = 0;        // 0 = any free port

  bool ipv6() const { return host.find(':') != std::string::npos; }
  // "0.0.0.0:8080", "127.0.0.1:0", "[::1]:8081": what civetweb (prometheus-cpp's Exposer)
  // takes as its listening port.
  std::string listenSpec() const;
  // As the user would write it, for logs and errors.
  std::string toString() const;
};

// Parses `text` for `flag`. kInvalid, naming the flag and the text, for a missing colon, a
// port that is not 0-65535, a host that is not an IP literal ("localhost" is 127.0.0.1), or
// an unbracketed IPv6 address.
Result<BindAddress> parseBindAddress(const std::string& flag, const std::string& text);

}  // namespace gantry::cmd
