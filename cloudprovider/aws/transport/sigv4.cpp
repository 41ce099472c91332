// SigV4 as specified in AWS's "Create a signed AWS API request" and checked by the public
// aws-sig-v4-test-suite. Written from the specification; every stage is a small function so
// a mismatch with AWS can be located from the canonical request alone.
#include "cloudprovider/aws/transport/sigv4.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <vector>

#include "src/common/log_redaction.h"
#include "src/http/url.h"

namespace gantry::cloudprovider::aws {
namespace {

constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";

std::string lowered(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// Headers a proxy or the transport may add or rewrite: signing them would break the
// signature for reasons outside our control.
bool isUnsignable(std::string_view lowerName) {
  return lowerName == "authorization" || lowerName == "user-agent" || lowerName == "expect" ||
         lowerName == "connection" || lowerName == "transfer-encoding" ||
         lowerName == "x-amzn-trace-id";
}

void setHeader(http::Request& request, std::string_view name, std::string value) {
  std::erase_if(request.headers,
                [&](const http::Header& h) { return http::headerNameEquals(h.name, name); });
  request.headers.push_back({std::string(name), std::move(value)});
}

const http::Header* findHeader(const http::Request& request, std::string_view name) {
  for (const auto& h : request.headers) {
    if (http::headerNameEquals(h.name, name)) return &h;
  }
  return nullptr;
}

}  // namespace

std::string amzDate(Clock::TimePoint t) {
  const auto secs = std::chrono::floor<std::chrono::seconds>(t);
  const auto days = std::chrono::floor<std::chrono::days>(secs);
  const std::chrono::year_month_day ymd{days};
  const std::chrono::hh_mm_ss hms{secs - days};
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d%02u%02uT%02d%02d%02dZ", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                static_cast<int>(hms.seconds().count()));
  return buf;
}

std::string amzDay(Clock::TimePoint t) {
  return amzDate(t).substr(0, 8);
}

std::string canonicalUri(std::string_view wirePath, bool normalize) {
  if (wirePath.empty()) return "/";
  if (!normalize) {
    // A request path always starts with '/'; supply it for a relative one (fuzzing found
    // that "q" came back as "q").
    const std::string encoded = http::percentEncode(wirePath, /*keepSlash=*/true);
    return wirePath.front() == '/' ? encoded : "/" + encoded;
  }

  // RFC 3986 dot-segment removal, also dropping empty segments ("//" collapses).
  std::vector<std::string_view> segments;
  std::string_view rest = wirePath;
  std::string_view last;
  while (!rest.empty()) {
    const auto slash = rest.find('/');
    const std::string_view seg = rest.substr(0, slash);
    rest = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash + 1);
    last = seg;
    if (seg.empty() || seg == ".") continue;
    if (seg == "..") {
      if (!segments.empty()) segments.pop_back();
      continue;
    }
    segments.push_back(seg);
  }
  const bool trailingSlash = wirePath.back() == '/' || last == "." || last == "..";
  std::string out;
  for (const auto seg : segments) {
    out += '/';
    out += http::percentEncode(seg);
  }
  if (out.empty()) return "/";
  if (trailingSlash) out += '/';
  return out;
}

Result<std::string> canonicalQueryString(std::string_view rawQuery) {
  std::vector<std::pair<std::string, std::string>> params;
  while (!rawQuery.empty()) {
    const auto amp = rawQuery.find('&');
    const std::string_view pair = rawQuery.substr(0, amp);
    rawQuery = amp == std::string_view::npos ? std::string_view{} : rawQuery.substr(amp + 1);
    if (pair.empty()) continue;
    const auto eq = pair.find('=');
    auto name = http::percentDecode(pair.substr(0, eq));
    auto value = http::percentDecode(eq == std::string_view::npos ? std::string_view{}
                                                                  : pair.substr(eq + 1));
    if (!name || !value) return fail(Status::invalid("query string has a bad percent escape"));
    params.emplace_back(http::percentEncode(*name), http::percentEncode(*value));
  }
  std::sort(params.begin(), params.end());
  std::string out;
  for (const auto& [name, value] : params) {
    if (!out.empty()) out += '&';
    out += name;
    out += '=';
    out += value;
  }
  return out;
}

std::string canonicalHeaderValue(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  bool pendingSpace = false;
  for (const char c : value) {
    if (c == ' ' || c == '\t') {
      pendingSpace = !out.empty();
      continue;
    }
    if (pendingSpace) out += ' ';
    pendingSpace = false;
    out += c;
  }
  return out;
}

SigV4Signer::SigV4Signer(std::string region, std::string service)
    : region_(std::move(region)), service_(std::move(service)), normalizePath_(service_ != "s3") {}

std::string SigV4Signer::scope(std::string_view day) const {
  std::string out(day);
  out += '/';
  out += region_;
  out += '/';
  out += service_;
  out += "/aws4_request";
  return out;
}

Digest SigV4Signer::signingKey(const Credentials& credentials, std::string_view day) const {
  // The cache is keyed by a hash of the secret rather than the secret itself, so a rotated
  // key is noticed without keeping another copy of it.
  const Digest secretHash = sha256(credentials.secretAccessKey);
  std::lock_guard lock(mu_);
  if (cachedDay_ == day && cachedSecretHash_ == secretHash) return cachedKey_;
  Digest key = hmacSha256("AWS4" + credentials.secretAccessKey, day);
  key = hmacSha256(key, region_);
  key = hmacSha256(key, service_);
  key = hmacSha256(key, "aws4_request");
  cachedDay_ = std::string(day);
  cachedSecretHash_ = secretHash;
  cachedKey_ = key;
  return key;
}

Result<SigningResult> SigV4Signer::computeSignature(const http::Request& request,
                                                    const Credentials& credentials) const {
  auto url = http::parseUrl(request.url);
  if (!url) return fail(url.error());
  const http::Header* date = findHeader(request, "x-amz-date");
  if (date == nullptr || date->value.size() < 8) {
    return fail(Status::invalid("request to sign has no X-Amz-Date header"));
  }
  auto query = canonicalQueryString(url->query);
  if (!query) return fail(query.error());

  // Lowercased names, values joined with ',' in arrival order for repeated names, then
  // sorted by name (stable, so the arrival order of values survives).
  std::vector<std::pair<std::string, std::string>> headers;
  for (const auto& h : request.headers) {
    std::string name = lowered(h.name);
    if (isUnsignable(name)) continue;
    std::string value = canonicalHeaderValue(h.value);
    auto it = std::find_if(headers.begin(), headers.end(),
                           [&](const auto& p) { return p.first == name; });
    if (it != headers.end()) {
      it->second += ',';
      it->second += value;
    } else {
      headers.emplace_back(std::move(name), std::move(value));
    }
  }
  std::stable_sort(headers.begin(), headers.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });

  SigningResult out;
  std::string canonicalHeaders;
  for (const auto& [name, value] : headers) {
    canonicalHeaders += name + ":" + value + "\n";
    if (!out.signedHeaders.empty()) out.signedHeaders += ';';
    out.signedHeaders += name;
  }

  out.canonicalRequest = request.method + "\n" + canonicalUri(url->path, normalizePath_) + "\n" +
                         *query + "\n" + canonicalHeaders + "\n" + out.signedHeaders + "\n" +
                         sha256Hex(request.body);
  const std::string day = date->value.substr(0, 8);
  out.stringToSign = std::string(kAlgorithm) + "\n" + date->value + "\n" + scope(day) + "\n" +
                     sha256Hex(out.canonicalRequest);
  out.signature = hexEncode(hmacSha256(signingKey(credentials, day), out.stringToSign));
  out.authorization = std::string(kAlgorithm) + " Credential=" + credentials.accessKeyId + "/" +
                      scope(day) + ", SignedHeaders=" + out.signedHeaders +
                      ", Signature=" + out.signature;
  return out;
}

Status SigV4Signer::sign(http::Request& request, const Credentials& credentials,
                         Clock::TimePoint now) const {
  // Whatever echoes a signed request back (an error reply, a library message), the secret
  // parts never reach the log.
  registerLogSecret(credentials.secretAccessKey);
  registerLogSecret(credentials.sessionToken);
  http::Request copy = request;
  auto url = http::parseUrl(copy.url);
  if (!url) return url.error();
  if (findHeader(copy, "host") == nullptr) copy.headers.push_back({"Host", url->authority()});
  setHeader(copy, "X-Amz-Date", amzDate(now));
  std::erase_if(copy.headers, [](const http::Header& h) {
    return http::headerNameEquals(h.name, "authorization");
  });
  if (!credentials.sessionToken.empty()) {
    setHeader(copy, "X-Amz-Security-Token", credentials.sessionToken);
  }
  auto result = computeSignature(copy, credentials);
  if (!result) return result.error();
  copy.headers.push_back({"Authorization", std::move(result->authorization)});
  request = std::move(copy);
  return Status::ok();
}

}  // namespace gantry::cloudprovider::aws
