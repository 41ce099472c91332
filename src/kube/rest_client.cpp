// RestClient: request building, the retry loop and apiserver error mapping.
// Retry policy (client-go's, plus idempotent reads): a 429 or 5xx that carries Retry-After
// for every method, since the server asks for exactly that (API priority and fairness does);
// a 502/503/504 without it and transport failures for GET only, since a write may have been
// applied. A 429 without Retry-After is an answer, not a hiccup: an eviction blocked by a
// PodDisruptionBudget is one, and goes straight back to the caller as kThrottled.
#include "src/kube/rest_client.h"

#include <algorithm>
#include <charconv>

#include "src/common/log_redaction.h"
#include "src/http/curl_http_client.h"
#include "src/http/url.h"
#include "src/kube/metrics.h"

namespace gantry::kube {

using nlohmann::json;

namespace {

std::string_view contentTypeOf(PatchType type) {
  switch (type) {
    case PatchType::kMerge: return "application/merge-patch+json";
    case PatchType::kJson: return "application/json-patch+json";
    case PatchType::kStrategicMerge: return "application/strategic-merge-patch+json";
  }
  return "application/merge-patch+json";
}

Status statusForReason(std::string_view reason, int code, std::string message) {
  if (reason == "NotFound") return Status::notFound(std::move(message));
  if (reason == "AlreadyExists") return Status::alreadyExists(std::move(message));
  if (reason == "Conflict") return Status::conflict(std::move(message));
  if (reason == "Gone" || reason == "Expired") return Status::gone(std::move(message));
  if (reason == "Invalid" || reason == "BadRequest" || reason == "MethodNotAllowed" ||
      reason == "NotAcceptable" || reason == "UnsupportedMediaType" ||
      reason == "RequestEntityTooLarge") {
    return Status::invalid(std::move(message));
  }
  if (reason == "Forbidden") return Status::forbidden(std::move(message));
  if (reason == "Unauthorized") return Status::unauthorized(std::move(message));
  if (reason == "TooManyRequests") return Status::throttled(std::move(message));
  if (reason == "ServiceUnavailable" || reason == "Timeout" || reason == "ServerTimeout") {
    return Status::unavailable(std::move(message));
  }
  if (reason == "InternalError") return Status::internal(std::move(message));
  switch (code) {
    case 400: case 405: case 406: case 413: case 415: case 422:
      return Status::invalid(std::move(message));
    case 401: return Status::unauthorized(std::move(message));
    case 403: return Status::forbidden(std::move(message));
    case 404: return Status::notFound(std::move(message));
    case 409: return Status::conflict(std::move(message));
    case 410: return Status::gone(std::move(message));
    case 429: return Status::throttled(std::move(message));
    case 502: case 503: case 504: return Status::unavailable(std::move(message));
    default: return Status::internal(std::move(message));
  }
}

bool isSuccess(int code) { return code >= 200 && code < 300; }

void appendParam(std::string& q, std::string_view key, std::string_view value) {
  if (value.empty()) return;
  if (!q.empty()) q += '&';
  q += key;
  q += '=';
  q += http::percentEncode(value);
}

}  // namespace

Status statusFromResponse(const http::Response& response, std::string_view what) {
  std::string reason, message;
  int code = response.status;
  json body = json::parse(response.body, nullptr, /*allow_exceptions=*/false);
  if (body.is_object() && body.value("kind", "") == "Status") {
    if (auto it = body.find("reason"); it != body.end() && it->is_string()) reason = *it;
    if (auto it = body.find("message"); it != body.end() && it->is_string()) message = *it;
    if (auto it = body.find("code"); it != body.end() && it->is_number_integer()) code = *it;
    // details.causes say what the message leaves out: for an eviction a PodDisruptionBudget
    // refused, the budget's name ("The disruption budget web needs 1 healthy pods and has 1
    // currently"). Causes the message already repeats (an Invalid's field errors) are skipped.
    if (auto details = body.find("details"); details != body.end() && details->is_object()) {
      if (auto causes = details->find("causes"); causes != details->end() && causes->is_array()) {
        for (const auto& cause : *causes) {
          if (!cause.is_object()) continue;
          auto m = cause.find("message");
          if (m == cause.end() || !m->is_string()) continue;
          const std::string& text = m->get_ref<const std::string&>();
          if (text.empty() || message.find(text) != std::string::npos) continue;
          message += (message.empty() ? "" : " ") + text;
        }
      }
    }
  } else {
    message = response.body.substr(0, 256);
  }
  std::string full = std::string(what) + ": HTTP " + std::to_string(response.status);
  if (!message.empty()) full += ": " + message;
  return statusForReason(reason, code, std::move(full));
}

std::string ResourcePath::toString() const {
  std::string out = group.empty() ? "/api/" + version : "/apis/" + group + "/" + version;
  if (!ns.empty()) out += "/namespaces/" + http::percentEncode(ns);
  out += "/" + resource;
  if (!name.empty()) out += "/" + http::percentEncode(name);
  if (!subresource.empty()) out += "/" + subresource;
  return out;
}

ResourcePath ResourcePath::withName(std::string n, std::string sub) const {
  ResourcePath out = *this;
  out.name = std::move(n);
  out.subresource = std::move(sub);
  return out;
}

std::string RestClient::listQuery(const ListOptions& options) {
  std::string q;
  appendParam(q, "labelSelector", options.labelSelector);
  appendParam(q, "fieldSelector", options.fieldSelector);
  if (options.limit > 0) appendParam(q, "limit", std::to_string(options.limit));
  appendParam(q, "continue", options.continueToken);
  appendParam(q, "resourceVersion", options.resourceVersion);
  return q;
}

RestClient::RestClient(http::HttpClient& http, Clock& clock, std::string server,
                       TokenSourcePtr tokens, RestClientOptions options)
    : http_(http),
      clock_(clock),
      server_(std::move(server)),
      tokens_(tokens ? std::move(tokens) : makeStaticTokenSource("")),
      options_(std::move(options)),
      limiter_(clock, options_.qps, options_.burst) {}

Result<http::Request> RestClient::buildRequest(const std::string& method, const std::string& url,
                                               const std::string& body, std::string_view contentType) {
  http::Request req{.method = method, .url = url, .body = body, .timeout = options_.requestTimeout};
  req.headers.push_back({"Accept", "application/json"});
  req.headers.push_back({"User-Agent", options_.userAgent});
  if (!contentType.empty()) req.headers.push_back({"Content-Type", std::string(contentType)});
  auto token = tokens_->token();
  if (!token) return fail(token.error());
  if (!token->empty()) {
    registerLogSecret(*token);  // never logged, whatever quotes the request back
    req.headers.push_back({"Authorization", "Bearer " + *token});
  }
  return req;
}

Clock::Duration RestClient::backoff(int attempt, const http::Response* response) const {
  if (response != nullptr) {
    if (auto ra = response->header("Retry-After")) {
      int seconds = 0;
      auto [p, ec] = std::from_chars(ra->data(), ra->data() + ra->size(), seconds);
      if (ec == std::errc() && seconds >= 0) {
        return std::min<Clock::Duration>(std::chrono::seconds(seconds), options_.maxRetryAfter);
      }
    }
  }
  auto d = options_.initialBackoff * (1LL << std::min(attempt, 20));
  return std::min<Clock::Duration>(d, options_.maxBackoff);
}

void RestClient::recordRequest(std::string_view method, const ResourcePath& path,
                               std::string_view query, int code, Clock::TimePoint sent) const {
  if (options_.metrics == nullptr) return;
  options_.metrics->request(kubeVerb(method, !path.name.empty(), query), path.resource, code,
                            clock_.now() - sent);
}

Result<json> RestClient::call(const std::string& method, const ResourcePath& path,
                              const std::string& query, const std::string& body,
                              std::string_view contentType) {
  const std::string pathText = path.toString();
  const std::string url = server_ + pathText + (query.empty() ? "" : "?" + query);
  const std::string what = method + " " + pathText;
  bool reauthorised = false;
  for (int attempt = 0;; ++attempt) {
    limiter_.acquire();
    auto req = buildRequest(method, url, body, contentType);
    if (!req) return fail(req.error());
    const Clock::TimePoint sent = clock_.now();
    auto resp = http_.send(*req);
    recordRequest(method, path, query, resp ? resp->status : 0, sent);
    // Shutting down: no further attempt, whatever this one returned.
    const bool more = attempt < options_.maxRetries &&
                      !(options_.abort != nullptr && options_.abort->load());
    if (!resp) {
      if (more && method == "GET" && resp.error().isUnavailable()) {
        clock_.sleepFor(backoff(attempt, nullptr));
        continue;
      }
      return fail(resp.error());
    }
    if (isSuccess(resp->status)) {
      if (resp->body.empty()) return json::object();
      json out = json::parse(resp->body, nullptr, /*allow_exceptions=*/false);
      if (out.is_discarded()) return fail(Status::invalid(what + ": response is not JSON"));
      return out;
    }
    const int code = resp->status;
    if (code == 401 && !reauthorised) {  // a rotated token: fetch a fresh one, once
      reauthorised = true;
      tokens_->invalidate();
      --attempt;
      continue;
    }
    const bool hasRetryAfter = resp->header("Retry-After").has_value();
    const bool retryable = ((code == 429 || code >= 500) && hasRetryAfter) ||
                           (method == "GET" && (code == 502 || code == 503 || code == 504));
    if (more && retryable) {
      clock_.sleepFor(backoff(attempt, &*resp));
      continue;
    }
    return fail(statusFromResponse(*resp, what));
  }
}

Result<json> RestClient::get(const ResourcePath& path) { return call("GET", path, "", "", ""); }

Result<json> RestClient::list(const ResourcePath& path, const ListOptions& options) {
  return call("GET", path, listQuery(options), "", "");
}

Result<ListResult> RestClient::listAll(const ResourcePath& path, ListOptions options) {
  ListResult out;
  bool first = true;
  for (;;) {
    auto page = list(path, options);
    if (!page) return fail(page.error());
    const json& meta = page->contains("metadata") ? (*page)["metadata"] : json::object();
    if (first) out.resourceVersion = meta.value("resourceVersion", "");
    first = false;
    if (auto items = page->find("items"); items != page->end() && items->is_array()) {
      for (auto& item : *items) out.items.push_back(std::move(item));
    }
    options.continueToken = meta.value("continue", "");
    if (options.continueToken.empty()) return out;
    options.resourceVersion.clear();  // a continue token carries its own snapshot
  }
}

Result<json> RestClient::create(const ResourcePath& path, const json& object) {
  return call("POST", path, "", object.dump(), "application/json");
}

Result<json> RestClient::update(const ResourcePath& path, const json& object) {
  return call("PUT", path, "", object.dump(), "application/json");
}

Result<json> RestClient::patch(const ResourcePath& path, PatchType type, const json& patchBody) {
  return call("PATCH", path, "", patchBody.dump(), contentTypeOf(type));
}

Result<json> RestClient::remove(const ResourcePath& path, const DeleteOptions& options) {
  json body = {{"apiVersion", "v1"}, {"kind", "DeleteOptions"}};
  if (!options.propagationPolicy.empty()) body["propagationPolicy"] = options.propagationPolicy;
  if (options.gracePeriodSeconds) body["gracePeriodSeconds"] = *options.gracePeriodSeconds;
  if (!options.preconditionUid.empty()) body["preconditions"]["uid"] = options.preconditionUid;
  if (!options.preconditionResourceVersion.empty()) {
    body["preconditions"]["resourceVersion"] = options.preconditionResourceVersion;
  }
  return call("DELETE", path, "", body.dump(), "application/json");
}

Result<http::Response> RestClient::stream(const ResourcePath& path, const std::string& query,
                                          const std::function<bool(std::string_view)>& onChunk,
                                          const std::atomic<bool>* cancel) {
  const std::string pathText = path.toString();
  limiter_.acquire();
  auto req = buildRequest("GET", server_ + pathText + (query.empty() ? "" : "?" + query), "", "");
  if (!req) return fail(req.error());
  req->cancel = cancel;
  const Clock::TimePoint sent = clock_.now();
  // The status is only known once stream() returns, so chunks go straight through and the
  // body's start is kept for the error message of a non-2xx answer.
  std::string head;
  auto resp = http_.stream(*req, [&](std::string_view chunk) {
    if (head.size() < 4096) head.append(chunk.substr(0, 4096 - head.size()));
    return onChunk(chunk);
  });
  recordRequest("GET", path, query, resp ? resp->status : 0, sent);
  if (!resp) return fail(resp.error());
  if (!isSuccess(resp->status)) {
    http::Response copy = *resp;
    copy.body = head;
    if (resp->status == 401) tokens_->invalidate();
    return fail(statusFromResponse(copy, "GET " + pathText));
  }
  return resp;
}

Result<Connection> connect(const RestConfig& config, Clock& clock, RestClientOptions options) {
  http::CurlHttpClientOptions httpOptions;
  httpOptions.tls = config.tls;
  httpOptions.userAgent = options.userAgent;
  httpOptions.abort = options.abort;
  std::shared_ptr<ExecCredentialCache> execCache;
  if (config.exec && config.tokenFile.empty()) {
    execCache = std::make_shared<ExecCredentialCache>(*config.exec, clock);
    auto cred = execCache->get();
    if (!cred) return fail(cred.error());
    if (!cred->clientCertificateData.empty()) {
      // Rotating a plugin-issued certificate needs a new Connection; tokens rotate in place.
      httpOptions.tls.clientCertData = cred->clientCertificateData;
      httpOptions.tls.clientKeyData = cred->clientKeyData;
    }
  }
  Connection conn;
  conn.http = std::make_unique<http::CurlHttpClient>(httpOptions);
  conn.client = std::make_unique<RestClient>(*conn.http, clock, config.server,
                                             makeTokenSource(config, clock, execCache), options);
  conn.defaultNamespace = config.defaultNamespace;
  return conn;
}

}  // namespace gantry::kube
