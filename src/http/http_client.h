// The HTTP seam under every peer Gantry talks to (EC2, STS, IMDS, the kube-apiserver):
// request/response values and a small interface, so clients above it are tested with an
// in-process fake and only CurlHttpClient touches the network.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "src/common/status.h"

namespace gantry::http {

// Members default-initialise with {} throughout, so designated initialisers may leave any
// of them out without -Wmissing-field-initializers.
struct Header {
  std::string name{};
  std::string value{};
};

struct Request {
  std::string method = "GET";  // GET, PUT, POST, PATCH, DELETE, HEAD
  std::string url{};           // absolute http:// or https:// URL, already percent-encoded
  std::vector<Header> headers{};
  std::string body{};
  // Whole-exchange limit for send(); for stream() it bounds connecting and the wait for
  // the response head only, since a watch may legitimately stay open for hours.
  std::chrono::milliseconds timeout{30000};
  // stream() only: when set and it turns true, the stream is closed within about 250 ms even
  // if no data arrives (a quiet watch), and stream() returns as if onChunk had said stop.
  // Non-owning; REQUIRES: outlives the call.
  const std::atomic<bool>* cancel = nullptr;
};

struct Response {
  int status = 0;
  std::vector<Header> headers{};  // in arrival order; the status line is not included
  std::string body{};

  // The first header with this name, compared case-insensitively; nullopt if absent.
  std::optional<std::string> header(std::string_view name) const;
};

// TLS settings for one client. Each pair (file, data) is alternative spellings of the same
// thing: a path to a PEM file, or the PEM text itself (kubeconfig's *-data fields decoded).
struct TlsConfig {
  std::string caFile{}, caData{};
  std::string clientCertFile{}, clientCertData{};
  std::string clientKeyFile{}, clientKeyData{};
  // Skips server certificate and host name checks. For tests and explicit user opt-in only.
  bool insecureSkipVerify = false;
};

// Case-insensitive ASCII comparison of header names.
bool headerNameEquals(std::string_view a, std::string_view b);

class HttpClient {
 public:
  virtual ~HttpClient() = default;

  // Performs one exchange and returns whatever status the server answered (a 404 or 503 is
  // a Response, not an error). Errors: Status::unavailable when no response arrived
  // (connect refused, DNS, TLS handshake, timeout, reset); Status::invalid for a malformed
  // request (bad URL or method). Error messages name the method and URL, never the body or
  // header values, which may carry credentials.
  // Not idempotent in general (it depends on the method); this layer never retries.
  // Thread-safe: several threads may call send() and stream() at once.
  virtual Result<Response> send(const Request& request) = 0;

  // Like send(), but hands the body to onChunk piece by piece as it arrives (chunked
  // encoding already removed) until the stream ends or onChunk returns false, which closes
  // the connection early and is not an error. The returned Response carries status and
  // headers; its body is empty. onChunk runs on the calling thread.
  // For Kubernetes watches: Request::timeout bounds only the wait for the response head.
  virtual Result<Response> stream(const Request& request,
                                  const std::function<bool(std::string_view)>& onChunk) = 0;
};

using HttpClientPtr = std::unique_ptr<HttpClient>;

}  // namespace gantry::http
