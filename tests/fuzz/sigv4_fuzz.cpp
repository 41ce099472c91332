// libFuzzer target for the SigV4 canonicaliser: arbitrary paths, queries, header names and
// values and bodies must canonicalise and sign without crashing, and the canonical forms
// must keep their invariants (only unreserved bytes, '/', '%XX' in a canonical URI;
// percent-encoding round-trips; signing is deterministic).
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "cloudprovider/aws/transport/sigv4.h"
#include "src/http/url.h"

namespace aws = gantry::cloudprovider::aws;
namespace http = gantry::http;

namespace {

bool isCanonicalUriByte(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '.' || c == '~' || c == '/' || c == '%';
}

// Splits the input on '\n' into up to `n` fields; missing fields are empty.
std::vector<std::string_view> fields(std::string_view in, std::size_t n) {
  std::vector<std::string_view> out;
  while (out.size() + 1 < n) {
    const auto nl = in.find('\n');
    if (nl == std::string_view::npos) break;
    out.push_back(in.substr(0, nl));
    in.remove_prefix(nl + 1);
  }
  out.push_back(in);
  out.resize(n);
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  // Layout: path \n query \n header-name \n header-value \n body
  const auto f = fields(in, 5);

  for (const bool normalize : {true, false}) {
    const std::string uri = aws::canonicalUri(f[0], normalize);
    if (uri.empty() || uri.front() != '/') __builtin_trap();
    for (const char c : uri) {
      if (!isCanonicalUriByte(static_cast<unsigned char>(c))) __builtin_trap();
    }
  }
  (void)aws::canonicalQueryString(f[1]);
  const std::string value = aws::canonicalHeaderValue(f[3]);
  if (!value.empty() && (value.front() == ' ' || value.back() == ' ')) __builtin_trap();
  if (value.find("  ") != std::string::npos) __builtin_trap();

  const std::string encoded = http::percentEncode(in);
  auto decoded = http::percentDecode(encoded);
  if (!decoded || *decoded != in) __builtin_trap();

  // Whole requests: the URL may be rejected, but never crash, and signing twice agrees.
  const std::string url = "https://example.amazonaws.com/" + std::string(f[0]) +
                          (f[1].empty() ? "" : "?" + std::string(f[1]));
  http::Request request{.method = "POST", .url = url, .body = std::string(f[4])};
  if (!f[2].empty()) request.headers.push_back({std::string(f[2]), std::string(f[3])});
  const aws::Credentials creds{
      .accessKeyId = "AKIDEXAMPLE", .secretAccessKey = "secret", .sessionToken = "token"};
  aws::SigV4Signer signer("us-east-1", "ec2");
  const auto now = std::chrono::system_clock::time_point{std::chrono::seconds{1440938160}};
  http::Request first = request;
  http::Request second = request;
  const auto s1 = signer.sign(first, creds, now);
  const auto s2 = signer.sign(second, creds, now);
  if (s1.code() != s2.code()) __builtin_trap();
  if (s1.isOk() && first.headers.back().value != second.headers.back().value) __builtin_trap();
  return 0;
}
