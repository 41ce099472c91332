// One request per connection, answered and closed; accept() is polled so stop() is prompt.
#include "src/cmd/health_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

namespace gantry::cmd {

Status HealthServer::start(int port) {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) return Status::unavailable("health server: socket: " + std::string(std::strerror(errno)));
  int one = 1;
  ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_ANY);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd_, 16) != 0) {
    const std::string why = std::strerror(errno);
    ::close(fd_);
    fd_ = -1;
    return Status::unavailable("health server: cannot listen on port " + std::to_string(port) + ": " + why);
  }
  socklen_t len = sizeof addr;
  ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  thread_ = std::thread([this] { serve(); });
  return Status::ok();
}

void HealthServer::stop() {
  stopping_ = true;
  if (thread_.joinable()) thread_.join();
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

void HealthServer::serve() {
  while (!stopping_) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, 200) <= 0) continue;
    int client = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) continue;
    // Probes send a short request line; the path is all we read.
    char buf[1024];
    pollfd c{client, POLLIN, 0};
    ssize_t n = ::poll(&c, 1, 1000) > 0 ? ::recv(client, buf, sizeof buf - 1, 0) : 0;
    std::string request(buf, n > 0 ? static_cast<size_t>(n) : 0);
    int code = 404;
    std::string body = "not found\n";
    if (request.rfind("GET /healthz", 0) == 0) {
      code = 200;
      body = "ok\n";
    } else if (request.rfind("GET /readyz", 0) == 0) {
      const bool ready = ready_();
      code = ready ? 200 : 503;
      body = ready ? "ok\n" : "not ready\n";
    }
    const std::string reason = code == 200 ? "OK" : code == 503 ? "Service Unavailable" : "Not Found";
    const std::string response = "HTTP/1.1 " + std::to_string(code) + " " + reason +
                                 "\r\nContent-Type: text/plain\r\nContent-Length: " +
                                 std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
    (void)::send(client, response.data(), response.size(), MSG_NOSIGNAL);
    ::close(client);
  }
}

}  // namespace gantry::cmd
