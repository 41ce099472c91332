// An in-process HttpClient for unit tests of the clients above the transport (EC2, STS,
// IMDS, Kubernetes): it records every request and answers from a queue of canned results,
// then from a handler. Stateful and thread-safe, in the spirit of LevelDB's fault-injection env.
#pragma once

#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "src/http/http_client.h"

namespace gantry::http {

class FakeHttpClient final : public HttpClient {
 public:
  using Handler = std::function<Result<Response>(const Request&)>;

  static Response reply(int status, std::string body, std::vector<Header> headers = {}) {
    return Response{.status = status, .headers = std::move(headers), .body = std::move(body)};
  }

  // Queued results are served first, in order; then the handler; then a 404.
  void enqueue(Result<Response> result) {
    std::lock_guard lock(mu_);
    queue_.push_back(std::move(result));
  }
  void setHandler(Handler handler) {
    std::lock_guard lock(mu_);
    handler_ = std::move(handler);
  }

  std::vector<Request> requests() const {
    std::lock_guard lock(mu_);
    return requests_;
  }
  std::size_t requestCount() const {
    std::lock_guard lock(mu_);
    return requests_.size();
  }
  void reset() {
    std::lock_guard lock(mu_);
    requests_.clear();
    queue_.clear();
    handler_ = nullptr;
  }

  Result<Response> send(const Request& request) override { return next(request); }

  // Serves the same results as send(), handing the body over in pieces of `chunkSize`.
  Result<Response> stream(const Request& request,
                          const std::function<bool(std::string_view)>& onChunk) override {
    auto result = next(request);
    if (!result) return result;
    std::string body = std::move(result->body);
    result->body.clear();
    for (std::size_t i = 0; i < body.size(); i += chunkSize) {
      if (!onChunk(std::string_view(body).substr(i, chunkSize))) break;
    }
    return result;
  }

  std::size_t chunkSize = 64;

 private:
  Result<Response> next(const Request& request) {
    Handler handler;
    {
      std::lock_guard lock(mu_);
      requests_.push_back(request);
      if (!queue_.empty()) {
        auto result = std::move(queue_.front());
        queue_.pop_front();
        return result;
      }
      handler = handler_;
    }
    if (handler) return handler(request);
    return reply(404, "no fake response for " + request.method + " " + request.url);
  }

  mutable std::mutex mu_;
  std::vector<Request> requests_;
  std::deque<Result<Response>> queue_;
  Handler handler_;
};

}  // namespace gantry::http
