// libcurl behind the HttpClient seam. Each exchange borrows an easy handle from a small pool
// (an easy handle keeps its own kept-alive connections, so reusing handles reuses
// connections); DNS and TLS session caches are shared through a share handle. Connection
// caches are deliberately not shared: libcurl does not support that across threads.
#include "src/http/curl_http_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <array>
#include <exception>
#include <mutex>
#include <vector>

#include "src/http/url.h"

namespace gantry::http {
namespace {

void globalInitOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

bool hasLineBreak(std::string_view s) {
  return s.find('\r') != std::string_view::npos || s.find('\n') != std::string_view::npos;
}

// The URL without its query: error messages name the endpoint but never echo a query
// string, which may carry tokens.
std::string describeTarget(const Request& request) {
  std::string url = request.url.substr(0, request.url.find('?'));
  return request.method + " " + url;
}

std::string_view trimmed(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) {
    s.remove_suffix(1);
  }
  return s;
}

// Per-exchange state the C callbacks write into.
struct Exchange {
  Response response;
  bool headComplete = false;
  const std::function<bool(std::string_view)>* onChunk = nullptr;  // null: buffer the body
  bool cancelled = false;                                          // onChunk asked to stop
  std::exception_ptr callbackError;  // an exception thrown by onChunk, rethrown after perform
  std::chrono::steady_clock::time_point headDeadline{};  // streams only
  const std::atomic<bool>* cancel = nullptr;              // streams only
  bool headTimedOut = false;
  const std::atomic<bool>* abort = nullptr;  // the client's shutdown flag (any exchange)
  bool aborted = false;
};

bool abortRequested(const Exchange& ex) { return ex.abort != nullptr && ex.abort->load(); }

// libcurl's progress callback: a non-zero return abandons the transfer
// (CURLE_ABORTED_BY_CALLBACK). It runs at least about once a second even on a silent
// connection, which bounds how long a blocked send() outlives the abort flag.
int onProgress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  auto* ex = static_cast<Exchange*>(user);
  if (!abortRequested(*ex)) return 0;
  ex->aborted = true;
  return 1;
}

size_t onHeader(char* data, size_t size, size_t count, void* user) {
  auto* ex = static_cast<Exchange*>(user);
  const size_t n = size * count;
  std::string_view line(data, n);
  if (line.starts_with("HTTP/")) {
    // A new status line (after a 100 Continue, say) starts a fresh response head.
    ex->response.headers.clear();
    ex->headComplete = false;
    const auto space = line.find(' ');
    if (space != std::string_view::npos) {
      int status = 0;
      for (size_t i = space + 1; i < line.size() && line[i] >= '0' && line[i] <= '9'; ++i) {
        status = status * 10 + (line[i] - '0');
      }
      ex->response.status = status;
    }
    return n;
  }
  const std::string_view content = trimmed(line);
  if (content.empty()) {
    // The blank line ends a head; an interim 1xx head is followed by another.
    ex->headComplete = ex->response.status >= 200;
    return n;
  }
  const auto colon = content.find(':');
  if (colon != std::string_view::npos) {
    ex->response.headers.push_back({std::string(trimmed(content.substr(0, colon))),
                                    std::string(trimmed(content.substr(colon + 1)))});
  }
  return n;
}

size_t onBody(char* data, size_t size, size_t count, void* user) {
  auto* ex = static_cast<Exchange*>(user);
  const size_t n = size * count;
  if (ex->onChunk == nullptr) {
    ex->response.body.append(data, n);
    return n;
  }
  try {
    if (!(*ex->onChunk)(std::string_view(data, n))) {
      ex->cancelled = true;
      return 0;  // makes libcurl stop with CURLE_WRITE_ERROR, which we treat as success
    }
  } catch (...) {
    ex->callbackError = std::current_exception();
    return 0;
  }
  return n;
}

// Runs one transfer through a private multi handle so that the wait for the response head
// can be bounded precisely (libcurl's progress callback fires only about once a second when
// idle). Returns the transfer's result; sets ex.headTimedOut when the deadline passed first.
CURLcode performStream(CURL* h, Exchange& ex) {
  CURLM* multi = curl_multi_init();
  if (multi == nullptr) return CURLE_OUT_OF_MEMORY;
  curl_multi_add_handle(multi, h);
  CURLcode result = CURLE_OK;
  for (;;) {
    int running = 0;
    if (curl_multi_perform(multi, &running) != CURLM_OK) {
      result = CURLE_RECV_ERROR;
      break;
    }
    if (running == 0) {
      int queued = 0;
      while (CURLMsg* msg = curl_multi_info_read(multi, &queued)) {
        if (msg->msg == CURLMSG_DONE) result = msg->data.result;
      }
      break;
    }
    if (abortRequested(ex)) {
      ex.aborted = true;
      result = CURLE_ABORTED_BY_CALLBACK;
      break;
    }
    if (ex.cancel != nullptr && ex.cancel->load()) {
      ex.cancelled = true;
      result = CURLE_WRITE_ERROR;  // reported like a stop asked for by onChunk
      break;
    }
    int waitMs = ex.cancel != nullptr || ex.abort != nullptr ? 250 : 1000;
    if (!ex.headComplete) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          ex.headDeadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) {
        ex.headTimedOut = true;
        result = CURLE_OPERATION_TIMEDOUT;
        break;
      }
      waitMs = static_cast<int>(std::min<long long>(left.count(), waitMs));
    }
    curl_multi_poll(multi, nullptr, 0, waitMs, nullptr);
  }
  curl_multi_remove_handle(multi, h);
  curl_multi_cleanup(multi);
  return result;
}

struct HeaderList {
  curl_slist* list = nullptr;
  ~HeaderList() { curl_slist_free_all(list); }
  void add(const std::string& line) { list = curl_slist_append(list, line.c_str()); }
};

curl_blob blobOf(const std::string& pem) {
  return curl_blob{const_cast<char*>(pem.data()), pem.size(), CURL_BLOB_COPY};
}

}  // namespace

struct CurlHttpClient::Impl {
  CurlHttpClientOptions options;
  CURLSH* share = nullptr;
  std::array<std::mutex, CURL_LOCK_DATA_LAST> shareLocks;
  std::mutex poolMu;
  std::vector<CURL*> idle;  // guarded by poolMu

  static void lockShare(CURL*, curl_lock_data data, curl_lock_access, void* user) {
    static_cast<Impl*>(user)->shareLocks[data].lock();
  }
  static void unlockShare(CURL*, curl_lock_data data, void* user) {
    static_cast<Impl*>(user)->shareLocks[data].unlock();
  }

  explicit Impl(CurlHttpClientOptions opts) : options(std::move(opts)) {
    globalInitOnce();
    share = curl_share_init();
    curl_share_setopt(share, CURLSHOPT_LOCKFUNC, &Impl::lockShare);
    curl_share_setopt(share, CURLSHOPT_UNLOCKFUNC, &Impl::unlockShare);
    curl_share_setopt(share, CURLSHOPT_USERDATA, this);
    curl_share_setopt(share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
    curl_share_setopt(share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
  }

  ~Impl() {
    for (CURL* h : idle) curl_easy_cleanup(h);
    curl_share_cleanup(share);
  }

  CURL* acquire() {
    {
      std::lock_guard lock(poolMu);
      if (!idle.empty()) {
        CURL* h = idle.back();
        idle.pop_back();
        return h;
      }
    }
    return curl_easy_init();
  }

  void release(CURL* h) {
    curl_easy_reset(h);  // clears options, keeps the connection cache
    std::lock_guard lock(poolMu);
    if (idle.size() < options.maxIdleHandles) {
      idle.push_back(h);
      return;
    }
    curl_easy_cleanup(h);
  }

  void applyTls(CURL* h) {
    const TlsConfig& tls = options.tls;
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, tls.insecureSkipVerify ? 0L : 1L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, tls.insecureSkipVerify ? 0L : 2L);
    if (!tls.caData.empty()) {
      curl_blob blob = blobOf(tls.caData);
      curl_easy_setopt(h, CURLOPT_CAINFO_BLOB, &blob);
    } else if (!tls.caFile.empty()) {
      curl_easy_setopt(h, CURLOPT_CAINFO, tls.caFile.c_str());
    }
    if (!tls.clientCertData.empty()) {
      curl_blob blob = blobOf(tls.clientCertData);
      curl_easy_setopt(h, CURLOPT_SSLCERT_BLOB, &blob);
      curl_easy_setopt(h, CURLOPT_SSLCERTTYPE, "PEM");
    } else if (!tls.clientCertFile.empty()) {
      curl_easy_setopt(h, CURLOPT_SSLCERT, tls.clientCertFile.c_str());
      curl_easy_setopt(h, CURLOPT_SSLCERTTYPE, "PEM");
    }
    if (!tls.clientKeyData.empty()) {
      curl_blob blob = blobOf(tls.clientKeyData);
      curl_easy_setopt(h, CURLOPT_SSLKEY_BLOB, &blob);
      curl_easy_setopt(h, CURLOPT_SSLKEYTYPE, "PEM");
    } else if (!tls.clientKeyFile.empty()) {
      curl_easy_setopt(h, CURLOPT_SSLKEY, tls.clientKeyFile.c_str());
      curl_easy_setopt(h, CURLOPT_SSLKEYTYPE, "PEM");
    }
  }

  Result<Response> perform(const Request& request,
                           const std::function<bool(std::string_view)>* onChunk);
};

Result<Response> CurlHttpClient::Impl::perform(
    const Request& request, const std::function<bool(std::string_view)>* onChunk) {
  if (auto url = parseUrl(request.url); !url) {
    return fail(url.error().withContext(describeTarget(request)));
  }
  if (request.method.empty() || hasLineBreak(request.method) ||
      request.method.find(' ') != std::string::npos) {
    return fail(Status::invalid("bad HTTP method: " + describeTarget(request)));
  }
  HeaderList headers;
  bool hasExpect = false;
  for (const auto& h : request.headers) {
    if (h.name.empty() || hasLineBreak(h.name) || hasLineBreak(h.value) ||
        h.name.find(':') != std::string::npos) {
      // The value is not echoed: it may be a credential.
      return fail(Status::invalid("bad header '" +
                                  (hasLineBreak(h.name) ? std::string("?") : h.name) + "' in " +
                                  describeTarget(request)));
    }
    if (headerNameEquals(h.name, "expect")) hasExpect = true;
    // "Name;" is libcurl's spelling of a header sent with an empty value.
    headers.add(h.value.empty() ? h.name + ";" : h.name + ": " + h.value);
  }
  // No "Expect: 100-continue" round trip for large bodies: our peers answer at once.
  if (!hasExpect) headers.add("Expect:");

  if (options.abort != nullptr && options.abort->load()) {
    return fail(Status::cancelled(describeTarget(request) + ": shutting down"));
  }
  CURL* h = acquire();
  if (h == nullptr) return fail(Status::internal("curl_easy_init failed"));
  Exchange ex;
  ex.onChunk = onChunk;
  ex.abort = options.abort;
  std::array<char, CURL_ERROR_SIZE> errorText{};

  curl_easy_setopt(h, CURLOPT_SHARE, share);
  curl_easy_setopt(h, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);  // no SIGALRM timeouts: we are multi-threaded
  curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errorText.data());
  curl_easy_setopt(h, CURLOPT_USERAGENT, options.userAgent.c_str());
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options.connectTimeout.count()));
  if (onChunk == nullptr) {
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(request.timeout.count()));
  } else {
    // A watch may stay open for hours: only the wait for the response head is bounded
    // (checked by performStream's loop).
    ex.headDeadline = std::chrono::steady_clock::now() + request.timeout;
    ex.cancel = request.cancel;
  }
  applyTls(h);
  if (options.abort != nullptr) {
    curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, &onProgress);
    curl_easy_setopt(h, CURLOPT_XFERINFODATA, &ex);
  }

  if (request.method == "HEAD") {
    curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
  } else if (request.method == "GET" && request.body.empty()) {
    curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
  } else {
    // POSTFIELDS with an explicit size sends the body (even an empty one, with
    // Content-Length: 0, which IMDS's token PUT expects) under any method.
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, request.body.data());
    if (request.method != "POST")
      curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  }
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers.list);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, &onHeader);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, &ex);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &onBody);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &ex);

  const CURLcode rc = onChunk == nullptr ? curl_easy_perform(h) : performStream(h, ex);
  release(h);

  if (ex.callbackError) std::rethrow_exception(ex.callbackError);
  if (ex.aborted) return fail(Status::cancelled(describeTarget(request) + ": shutting down"));
  if (rc == CURLE_WRITE_ERROR && ex.cancelled) return std::move(ex.response);
  if (ex.headTimedOut) {
    return fail(
        Status::unavailable(describeTarget(request) + ": timed out waiting for the response"));
  }
  if (rc != CURLE_OK) {
    std::string why = errorText[0] != '\0' ? std::string(errorText.data()) : curl_easy_strerror(rc);
    return fail(Status::unavailable(describeTarget(request) + ": " + why));
  }
  return std::move(ex.response);
}

CurlHttpClient::CurlHttpClient(CurlHttpClientOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {}

CurlHttpClient::~CurlHttpClient() = default;

Result<Response> CurlHttpClient::send(const Request& request) {
  return impl_->perform(request, nullptr);
}

Result<Response> CurlHttpClient::stream(const Request& request,
                                        const std::function<bool(std::string_view)>& onChunk) {
  return impl_->perform(request, &onChunk);
}

}  // namespace gantry::http
