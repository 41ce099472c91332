// Hand-written so the signer and the transport agree byte for byte on what a URL means;
// libcurl's URL API normalises in ways that would break signatures.
#include "src/http/url.h"

#include <charconv>

namespace gantry::http {
namespace {

char lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

std::string lowered(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = lower(c);
  return out;
}

bool isUnreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '.' || c == '~';
}

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

int Url::effectivePort() const {
  if (port) return *port;
  return scheme == "https" ? 443 : 80;
}

std::string Url::authority() const {
  if (!port || *port == (scheme == "https" ? 443 : 80)) return host;
  return host + ":" + std::to_string(*port);
}

Result<Url> parseUrl(std::string_view url) {
  Url out;
  const auto schemeEnd = url.find("://");
  if (schemeEnd == std::string_view::npos) return fail(Status::invalid("URL has no scheme"));
  out.scheme = lowered(url.substr(0, schemeEnd));
  if (out.scheme != "http" && out.scheme != "https") {
    return fail(Status::invalid("URL scheme is not http or https: " + out.scheme));
  }
  std::string_view rest = url.substr(schemeEnd + 3);
  if (const auto hash = rest.find('#'); hash != std::string_view::npos) rest = rest.substr(0, hash);
  const auto authorityEnd = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, authorityEnd);
  rest = authorityEnd == std::string_view::npos ? std::string_view{} : rest.substr(authorityEnd);
  if (authority.find('@') != std::string_view::npos) {
    return fail(Status::invalid("URL with user-info is not supported"));
  }

  std::string_view host = authority;
  std::string_view portText;
  if (!authority.empty() && authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return fail(Status::invalid("URL has an unclosed '['"));
    host = authority.substr(0, close + 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return fail(Status::invalid("URL has junk after the IPv6 host"));
      portText = after.substr(1);
    }
  } else if (const auto colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    portText = authority.substr(colon + 1);
  }
  if (host.empty()) return fail(Status::invalid("URL has an empty host"));
  out.host = lowered(host);
  if (!portText.empty()) {
    int port = 0;
    const auto [ptr, ec] =
        std::from_chars(portText.data(), portText.data() + portText.size(), port);
    if (ec != std::errc{} || ptr != portText.data() + portText.size() || port <= 0 ||
        port > 65535) {
      return fail(Status::invalid("URL has a bad port"));
    }
    out.port = port;
  }

  const auto question = rest.find('?');
  std::string_view path = rest.substr(0, question);
  out.path = path.empty() ? "/" : std::string(path);
  if (question != std::string_view::npos) out.query = std::string(rest.substr(question + 1));
  return out;
}

std::string percentEncode(std::string_view in, bool keepSlash) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(in.size() * 3);
  for (const char ch : in) {
    const auto c = static_cast<unsigned char>(ch);
    if (isUnreserved(c) || (keepSlash && c == '/')) {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0x0F]);
    }
  }
  return out;
}

Result<std::string> percentDecode(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out.push_back(in[i]);
      continue;
    }
    if (i + 2 >= in.size()) {
      return fail(Status::invalid("truncated percent escape"));
    }
    const int hi = hexValue(in[i + 1]);
    const int lo = hexValue(in[i + 2]);
    if (hi < 0 || lo < 0) return fail(Status::invalid("bad percent escape"));
    out.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return out;
}

}  // namespace gantry::http
