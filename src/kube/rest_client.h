// The Kubernetes REST client: typed-path CRUD over the HttpClient seam, speaking JSON values
// (nlohmann::json) so the object model decodes them separately. It adds what every call
// needs: the bearer token, a client-side QPS limit, bounded retries of throttled and
// transient failures, and Kubernetes `Status` bodies turned into gantry Status kinds.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "src/common/clock.h"
#include "src/common/status.h"
#include "src/http/http_client.h"
#include "src/kube/credentials.h"
#include "src/kube/kubeconfig.h"
#include "src/kube/rate_limiter.h"

namespace gantry::kube {

class KubeMetrics;  // src/kube/metrics.h

// Names one resource collection, object or subresource:
//   /api/v1/namespaces/{ns}/pods/{name}/eviction
//   /apis/gantry.dev/v1/nodeclaims/{name}/status
struct ResourcePath {
  std::string group{};        // "" for the core group
  std::string version = "v1";
  std::string resource{};     // plural, lowercase: "pods", "nodeclaims"
  std::string ns{};           // "" for cluster-scoped resources or all namespaces
  std::string name{};         // "" for the collection
  std::string subresource{};  // "status", "eviction", ...; needs a name

  // The URL path, names percent-encoded.
  std::string toString() const;
  // A copy naming one object (and optionally one of its subresources).
  ResourcePath withName(std::string n, std::string sub = "") const;
};

struct ListOptions {
  std::string labelSelector{};
  std::string fieldSelector{};
  int limit = 0;              // page size; 0 lets the server choose (everything)
  std::string continueToken{};
  std::string resourceVersion{};
};

// PATCH flavours: RFC 7386 merge patch, RFC 6902 JSON patch, Kubernetes strategic merge.
enum class PatchType { kMerge, kJson, kStrategicMerge };

struct DeleteOptions {
  std::string propagationPolicy{};  // "Foreground", "Background", "Orphan" or "" (default)
  std::string preconditionUid{};
  std::string preconditionResourceVersion{};
  std::optional<int> gracePeriodSeconds{};
};

// One list, all pages joined.
struct ListResult {
  std::vector<nlohmann::json> items{};
  std::string resourceVersion{};  // of the first page: where a watch should start
};

struct RestClientOptions {
  double qps = 20;  // <= 0: no client-side limit
  int burst = 40;
  // Extra attempts after the first, for retryable failures: a 429 or 5xx with Retry-After
  // (any method); a 502/503/504 or no response at all (GET only).
  int maxRetries = 4;
  std::chrono::milliseconds initialBackoff{200};
  std::chrono::milliseconds maxBackoff{5000};
  std::chrono::milliseconds maxRetryAfter{30000};  // a longer Retry-After is cut to this
  std::chrono::milliseconds requestTimeout{30000};
  std::string userAgent = "gantry";
  // Every request counted and timed here when set (the controller's); must outlive the client.
  KubeMetrics* metrics = nullptr;
  // Shutdown (connect() only): handed to the connection's CurlHttpClientOptions::abort, so
  // once it is true every call in flight ends with kCancelled and none is retried.
  const std::atomic<bool>* abort = nullptr;
};

// Maps a non-2xx apiserver response to a Status: the body's Kubernetes Status reason when
// there is one (NotFound, AlreadyExists, Conflict, Gone/Expired, Invalid, BadRequest,
// Forbidden, Unauthorized, TooManyRequests, ServiceUnavailable, Timeout...), else the HTTP
// code. The message is the server's message (or the body's start) prefixed by method and path,
// followed by the messages of details.causes it does not already contain.
Status statusFromResponse(const http::Response& response, std::string_view what);

// Thread-safe: any number of threads may call any method at once.
class RestClient {
 public:
  // REQUIRES: http and clock outlive the client. `server` is "https://host:port". A null
  // `tokens` sends no Authorization header (client certificates only). On a 401 the token
  // source is invalidated and the request sent once more with a fresh token.
  RestClient(http::HttpClient& http, Clock& clock, std::string server, TokenSourcePtr tokens,
             RestClientOptions options = {});

  // GET one object. Errors: as statusFromResponse, kUnavailable when unreachable,
  // kInvalid when the body is not JSON.
  Result<nlohmann::json> get(const ResourcePath& path);
  // GET one page of a collection: the List object (items, metadata.continue,
  // metadata.resourceVersion).
  Result<nlohmann::json> list(const ResourcePath& path, const ListOptions& options = {});
  // Follows `continue` until the last page. An expired continue token gives kGone.
  Result<ListResult> listAll(const ResourcePath& path, ListOptions options = {});
  // POST to the collection `path` (or to a subresource such as eviction). Returns what
  // the server stored. Errors include kAlreadyExists.
  Result<nlohmann::json> create(const ResourcePath& path, const nlohmann::json& object);
  // PUT; kConflict when metadata.resourceVersion is stale.
  Result<nlohmann::json> update(const ResourcePath& path, const nlohmann::json& object);
  Result<nlohmann::json> patch(const ResourcePath& path, PatchType type, const nlohmann::json& patch);
  // DELETE; returns the server's answer (the object, or a Status). kConflict when a
  // precondition fails, kNotFound when already gone.
  Result<nlohmann::json> remove(const ResourcePath& path, const DeleteOptions& options = {});

  // A streamed GET of `path` with the raw query string `query` (already encoded), for
  // watches: rate limited and authorised like the others, not retried. A non-2xx status
  // is returned as an error mapped by statusFromResponse. The transport reports the status
  // only at the end, so onChunk also sees the body of a non-2xx answer (a Status object).
  // `cancel` (optional, see http::Request::cancel) ends a quiet stream from another thread.
  Result<http::Response> stream(const ResourcePath& path, const std::string& query,
                                const std::function<bool(std::string_view)>& onChunk,
                                const std::atomic<bool>* cancel = nullptr);

  // Percent-encoded "k=v&k=v" for the non-empty list options (+ watch=true when asked).
  static std::string listQuery(const ListOptions& options);

  // Where this client's requests are counted (null: nowhere); informers count their watch
  // restarts there too.
  KubeMetrics* metrics() const { return options_.metrics; }

 private:
  Result<nlohmann::json> call(const std::string& method, const ResourcePath& path,
                              const std::string& query, const std::string& body,
                              std::string_view contentType);
  Result<http::Request> buildRequest(const std::string& method, const std::string& url,
                                     const std::string& body, std::string_view contentType);
  Clock::Duration backoff(int attempt, const http::Response* response) const;
  // Counts one request when metrics are on; `code` 0 for no answer.
  void recordRequest(std::string_view method, const ResourcePath& path, std::string_view query,
                     int code, Clock::TimePoint sent) const;

  http::HttpClient& http_;
  Clock& clock_;
  const std::string server_;
  TokenSourcePtr tokens_;
  const RestClientOptions options_;
  TokenBucket limiter_;
};

using RestClientPtr = std::unique_ptr<RestClient>;

// A RestClient with its own CurlHttpClient, built from a RestConfig (exec plugin client
// certificates included). Members are destroyed client-first.
struct Connection {
  http::HttpClientPtr http{};
  RestClientPtr client{};
  std::string defaultNamespace{};
};

// Errors: kUnauthorized when an exec plugin that must supply the client certificate fails.
// REQUIRES: clock outlives the connection.
Result<Connection> connect(const RestConfig& config, Clock& clock, RestClientOptions options = {});

}  // namespace gantry::kube
