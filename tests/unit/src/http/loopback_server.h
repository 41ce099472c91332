// A tiny HTTP/1.1 server on 127.0.0.1 for transport tests: a real socket peer, so the tests
// exercise libcurl end to end (keep-alive, chunked streaming, timeouts) without the network.
// One thread accepts, one thread per connection serves keep-alive requests in order.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "src/http/http_client.h"

namespace gantry::http::testing {

struct ReceivedRequest {
  std::string method;
  std::string target;
  std::vector<Header> headers;
  std::string body;
  int connection = 0;  // 1-based number of the connection it arrived on

  std::string header(std::string_view name) const {
    for (const auto& h : headers) {
      if (headerNameEquals(h.name, name)) return h.value;
    }
    return {};
  }
  bool hasHeader(std::string_view name) const {
    for (const auto& h : headers) {
      if (headerNameEquals(h.name, name)) return true;
    }
    return false;
  }
};

// What a handler uses to answer; writes go straight to the socket.
class ResponseWriter {
 public:
  explicit ResponseWriter(int fd) : fd_(fd) {}

  // A complete response with Content-Length.
  void send(int status, std::string_view body, const std::vector<Header>& headers = {}) {
    std::string out = "HTTP/1.1 " + std::to_string(status) + " X\r\n";
    for (const auto& h : headers) out += h.name + ": " + h.value + "\r\n";
    out += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n";
    out += body;
    write(out);
  }
  void startChunked(int status, const std::vector<Header>& headers = {}) {
    std::string out = "HTTP/1.1 " + std::to_string(status) + " X\r\n";
    for (const auto& h : headers) out += h.name + ": " + h.value + "\r\n";
    out += "Transfer-Encoding: chunked\r\n\r\n";
    write(out);
  }
  // False once the peer has gone away.
  bool chunk(std::string_view data) {
    char size[32];
    std::snprintf(size, sizeof size, "%zx\r\n", data.size());
    return write(std::string(size) + std::string(data) + "\r\n");
  }
  void endChunked() { write("0\r\n\r\n"); }
  // Close the connection after this exchange instead of keeping it alive.
  void closeAfter() { close_ = true; }
  bool closing() const { return close_; }

 private:
  bool write(std::string_view data) {
    while (!data.empty()) {
      const ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      data.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }
  int fd_;
  bool close_ = false;
};

class LoopbackServer {
 public:
  using Handler = std::function<void(const ReceivedRequest&, ResponseWriter&)>;

  explicit LoopbackServer(Handler handler) : handler_(std::move(handler)) {
    listenFd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    ::setsockopt(listenFd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    ::bind(listenFd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    ::listen(listenFd_, 64);
    socklen_t len = sizeof addr;
    ::getsockname(listenFd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    acceptor_ = std::thread([this] { acceptLoop(); });
  }

  ~LoopbackServer() {
    stopping_ = true;
    ::shutdown(listenFd_, SHUT_RDWR);
    ::close(listenFd_);
    acceptor_.join();
    {
      std::lock_guard lock(mu_);
      for (int fd : openFds_) ::shutdown(fd, SHUT_RDWR);
    }
    for (auto& t : workers_) t.join();
  }

  int port() const { return port_; }
  std::string url(std::string_view target = "/") const {
    return "http://127.0.0.1:" + std::to_string(port_) + std::string(target);
  }
  int connectionsAccepted() const { return accepted_.load(); }
  std::vector<ReceivedRequest> requests() const {
    std::lock_guard lock(mu_);
    return requests_;
  }

 private:
  void acceptLoop() {
    while (!stopping_) {
      const int fd = ::accept(listenFd_, nullptr, nullptr);
      if (fd < 0) return;
      const int number = ++accepted_;
      std::lock_guard lock(mu_);
      openFds_.push_back(fd);
      workers_.emplace_back([this, fd, number] { serve(fd, number); });
    }
  }

  // Reads until `buffer` holds a full head and body, or the peer closes.
  static bool readRequest(int fd, std::string& buffer, ReceivedRequest& out) {
    size_t headEnd;
    while ((headEnd = buffer.find("\r\n\r\n")) == std::string::npos) {
      if (!fill(fd, buffer)) return false;
    }
    std::string_view head(buffer.data(), headEnd);
    const auto lineEnd = head.find("\r\n");
    std::string_view requestLine = head.substr(0, lineEnd);
    const auto sp1 = requestLine.find(' ');
    const auto sp2 = requestLine.find(' ', sp1 + 1);
    out.method = std::string(requestLine.substr(0, sp1));
    out.target = std::string(requestLine.substr(sp1 + 1, sp2 - sp1 - 1));
    size_t contentLength = 0;
    size_t pos = lineEnd == std::string_view::npos ? head.size() : lineEnd + 2;
    while (pos < head.size()) {
      auto next = head.find("\r\n", pos);
      if (next == std::string_view::npos) next = head.size();
      std::string_view line = head.substr(pos, next - pos);
      const auto colon = line.find(':');
      std::string name(line.substr(0, colon));
      std::string_view value = line.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
      if (headerNameEquals(name, "content-length")) contentLength = std::stoul(std::string(value));
      out.headers.push_back({name, std::string(value)});
      pos = next + 2;
    }
    const size_t bodyStart = headEnd + 4;
    while (buffer.size() < bodyStart + contentLength) {
      if (!fill(fd, buffer)) return false;
    }
    out.body = buffer.substr(bodyStart, contentLength);
    buffer.erase(0, bodyStart + contentLength);
    return true;
  }

  static bool fill(int fd, std::string& buffer) {
    char chunk[4096];
    const ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
    if (n <= 0) return false;
    buffer.append(chunk, static_cast<size_t>(n));
    return true;
  }

  void serve(int fd, int number) {
    std::string buffer;
    while (!stopping_) {
      ReceivedRequest request;
      request.connection = number;
      if (!readRequest(fd, buffer, request)) break;
      {
        std::lock_guard lock(mu_);
        requests_.push_back(request);
      }
      ResponseWriter writer(fd);
      handler_(request, writer);
      if (writer.closing()) break;
    }
    ::shutdown(fd, SHUT_RDWR);
    std::lock_guard lock(mu_);
    std::erase(openFds_, fd);
    ::close(fd);
  }

  Handler handler_;
  int listenFd_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int> accepted_{0};
  std::thread acceptor_;
  mutable std::mutex mu_;
  std::vector<std::thread> workers_;       // guarded by mu_
  std::vector<int> openFds_;               // guarded by mu_
  std::vector<ReceivedRequest> requests_;  // guarded by mu_
};

}  // namespace gantry::http::testing
