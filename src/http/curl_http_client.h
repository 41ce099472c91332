// The one HttpClient that touches the network, built on libcurl. libcurl types stay in the
// .cpp (pimpl) so that code including this header needs no curl headers or link flags.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <string>

#include "src/http/http_client.h"

namespace gantry::http {

struct CurlHttpClientOptions {
  TlsConfig tls{};
  // Limit on establishing a TCP (and TLS) connection, separate from Request::timeout.
  std::chrono::milliseconds connectTimeout{10000};
  std::string userAgent = "gantry";
  // Idle easy handles (each holding its kept-alive connections) retained for reuse.
  std::size_t maxIdleHandles = 16;
  // Shutdown: once this turns true every exchange in flight is abandoned (a send() within
  // about a second, libcurl's idle progress interval; a stream within 250 ms) and every new
  // one fails at once, both with Status::cancelled, which no caller retries. A process that
  // must exit promptly sets it whatever its peers are doing (a silent apiserver holds a
  // request for its whole timeout otherwise). Non-owning; REQUIRES: outlives the client.
  const std::atomic<bool>* abort = nullptr;
};

// HTTP/1.1 (and HTTP/2 over TLS when the server offers it) with keep-alive: connections are
// reused through a pool of libcurl easy handles; DNS and TLS sessions are shared between
// them. TLS peers are always verified unless TlsConfig::insecureSkipVerify. Redirects are
// not followed; only http and https are allowed.
// Thread-safe: send() and stream() may be called from any number of threads at once.
class CurlHttpClient final : public HttpClient {
 public:
  // Never fails; a bad TLS file surfaces as Status::unavailable from the first request.
  explicit CurlHttpClient(CurlHttpClientOptions options = {});
  ~CurlHttpClient() override;
  CurlHttpClient(const CurlHttpClient&) = delete;
  CurlHttpClient& operator=(const CurlHttpClient&) = delete;

  Result<Response> send(const Request& request) override;
  Result<Response> stream(const Request& request,
                          const std::function<bool(std::string_view)>& onChunk) override;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace gantry::http
