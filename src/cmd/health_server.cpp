// One request per connection, answered and closed; accept() is polled so stop() is prompt.
#include "src/cmd/health_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

namespace gantry::cmd {

Status HealthServer::start(const BindAddress& address) {
  const int family = address.ipv6() ? AF_INET6 : AF_INET;
  fd_ = ::socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) return Status::unavailable("health server: socket: " + std::string(std::strerror(errno)));
  int one = 1;
  ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_storage addr{};
  socklen_t addrLen = 0;
  if (family == AF_INET6) {
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&addr);
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(static_cast<uint16_t>(address.port));
    ::inet_pton(AF_INET6, address.host.c_str(), &v6->sin6_addr);  // checked by parseBindAddress
    addrLen = sizeof *v6;
  } else {
    auto* v4 = reinterpret_cast<sockaddr_in*>(&addr);
    v4->sin_family = AF_INET;
    v4->sin_port = htons(static_cast<uint16_t>(address.port));
    v4->sin_addr.s_addr = htonl(INADDR_ANY);
    if (!address.host.empty()) ::inet_pton(AF_INET, address.host.c_str(), &v4->sin_addr);
    addrLen = sizeof *v4;
  }
  if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), addrLen) != 0 || ::listen(fd_, 16) != 0) {
    const std::string why = std::strerror(errno);
    ::close(fd_);
    fd_ = -1;
    return Status::unavailable("health server: cannot listen on " + address.toString() + ": " + why);
  }
  socklen_t len = sizeof addr;
  ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port
                                   : reinterpret_cast<sockaddr_in*>(&addr)->sin_port);
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
