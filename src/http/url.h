// URL pieces and RFC 3986 percent-encoding, shared by the AWS signer (which must
// canonicalise exactly what goes on the wire) and the Kubernetes client (query strings).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "src/common/status.h"

namespace gantry::http {

// An absolute http(s) URL split into its parts. Nothing is decoded: path and query are
// kept exactly as written, so what is signed is what is sent.
struct Url {
  std::string scheme;       // "http" or "https", lowercased
  std::string host;         // lowercased; an IPv6 literal keeps its brackets
  std::optional<int> port;  // only when written in the URL
  std::string path = "/";   // "/" when the URL has none
  std::string query;        // without the '?'; empty when absent

  // The port, or the scheme's default (80, 443).
  int effectivePort() const;
  // "host" or "host:port" when the port is not the scheme's default: the HTTP Host header.
  std::string authority() const;
};

// Parses "scheme://host[:port][/path][?query][#fragment]" (the fragment is dropped).
// Errors: Status::invalid for another scheme, user-info, an empty host or a bad port.
Result<Url> parseUrl(std::string_view url);

// Percent-encodes every byte except the RFC 3986 unreserved set (A-Z a-z 0-9 - _ . ~),
// with uppercase hex, as AWS SigV4 and form bodies need. With keepSlash, '/' is kept too.
std::string percentEncode(std::string_view in, bool keepSlash = false);

// Decodes %XX escapes ('+' is left alone). Errors: Status::invalid on a truncated or
// non-hex escape.
Result<std::string> percentDecode(std::string_view in);

}  // namespace gantry::http
