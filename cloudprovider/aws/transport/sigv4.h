// AWS Signature Version 4 for HTTP requests (the header form, as EC2 and STS take it).
// The pieces (canonical URI, query, headers, request, string to sign) are exposed so the
// public aws-sig-v4-test-suite vectors can check each stage, not just the final signature.
#pragma once

#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "cloudprovider/aws/transport/credentials.h"
#include "cloudprovider/aws/transport/crypto.h"
#include "src/common/clock.h"
#include "src/common/status.h"
#include "src/http/http_client.h"

namespace gantry::cloudprovider::aws {

// "20150830T123600Z" and "20150830".
std::string amzDate(Clock::TimePoint t);
std::string amzDay(Clock::TimePoint t);

// The canonical URI of a path exactly as sent on the wire: with `normalize` (every service
// but S3) dot segments and empty segments are removed first; then every byte except the
// unreserved set and '/' is percent-encoded. An already-encoded path is therefore encoded
// a second time, which is what AWS expects outside S3.
std::string canonicalUri(std::string_view wirePath, bool normalize = true);

// The canonical query string: each name and value percent-decoded, re-encoded with the
// unreserved set, then sorted by name and value. Errors: Status::invalid on a bad %-escape.
Result<std::string> canonicalQueryString(std::string_view rawQuery);

// A header value canonicalised: outer whitespace trimmed, inner runs of spaces and tabs
// folded to one space.
std::string canonicalHeaderValue(std::string_view value);

// Everything the signature is built from, for tests and debugging.
struct SigningResult {
  std::string canonicalRequest{};
  std::string stringToSign{};
  std::string signedHeaders{};  // "host;x-amz-date"
  std::string signature{};      // lowercase hex
  std::string authorization{};  // the Authorization header value
};

// Signs requests for one region and service, e.g. ("us-east-1", "ec2").
// Thread-safe: sign() may be called concurrently; the derived signing key is cached per
// (secret key, date), so one HMAC chain is computed per day rather than per request.
class SigV4Signer {
 public:
  SigV4Signer(std::string region, std::string service);

  // Adds the headers a signed request needs and the signature: sets Host (from the URL,
  // unless present), X-Amz-Date (replacing any), X-Amz-Security-Token when the credentials
  // carry a session token, and Authorization. Every other header already on the request is
  // signed too, except hop-by-hop ones a proxy may alter (User-Agent, Expect, Connection,
  // Transfer-Encoding, X-Amzn-Trace-Id). Add headers before signing, not after.
  // Errors: Status::invalid for a malformed URL or query; nothing is changed then.
  Status sign(http::Request& request, const Credentials& credentials, Clock::TimePoint now) const;

  // Computes the signature of a request that already carries Host and X-Amz-Date (and the
  // token header if any), without modifying it. Errors as sign(), and Status::invalid when
  // X-Amz-Date is missing.
  Result<SigningResult> computeSignature(const http::Request& request,
                                         const Credentials& credentials) const;

  // The "date/region/service/aws4_request" credential scope for a day ("20150830").
  std::string scope(std::string_view day) const;

 private:
  Digest signingKey(const Credentials& credentials, std::string_view day) const;

  std::string region_;
  std::string service_;
  bool normalizePath_;

  mutable std::mutex mu_;
  // The last derived key, with what it was derived from. Guarded by mu_.
  mutable std::string cachedDay_;
  mutable Digest cachedSecretHash_{};
  mutable Digest cachedKey_{};
};

}  // namespace gantry::cloudprovider::aws
