// A loopback TCP forwarder for integration tests that need to cut a client off from a real
// peer and let it back in (a network partition in miniature): the client dials the proxy,
// the proxy dials the peer. cut() drops every open connection and refuses new ones until
// heal(). Bytes pass through untouched, so TLS works end to end. Header-only, tests only.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>
#include <vector>

namespace gantry::testing {

class TcpProxy {
 public:
  // Listens on 127.0.0.1 (a free port) and forwards to 127.0.0.1:targetPort.
  explicit TcpProxy(int targetPort) : targetPort_(targetPort) {
    listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    if (listener_ < 0 || ::bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(listener_, 64) != 0) {
      throw std::runtime_error("tcp proxy: cannot listen on 127.0.0.1");
    }
    socklen_t len = sizeof addr;
    ::getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    acceptor_ = std::thread([this] { acceptLoop(); });
  }

  ~TcpProxy() {
    stopping_ = true;
    cut();
    acceptor_.join();
    ::close(listener_);
    for (auto& t : pumps_) t.join();
  }

  int port() const { return port_; }

  // Closes every forwarded connection now and refuses new ones until heal().
  void cut() {
    refusing_ = true;
    std::lock_guard lock(mu_);
    for (int fd : open_) ::shutdown(fd, SHUT_RDWR);
  }
  void heal() { refusing_ = false; }

 private:
  void acceptLoop() {
    while (!stopping_) {
      pollfd p{listener_, POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0) continue;
      const int client = ::accept(listener_, nullptr, nullptr);
      if (client < 0) continue;
      if (refusing_) {
        ::close(client);
        continue;
      }
      const int upstream = dialTarget();
      if (upstream < 0) {
        ::close(client);
        continue;
      }
      std::lock_guard lock(mu_);
      open_.insert(client);
      open_.insert(upstream);
      pumps_.emplace_back([this, client, upstream] { pump(client, upstream); });
    }
  }

  int dialTarget() const {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<uint16_t>(targetPort_));
    if (fd >= 0 && ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) return fd;
    if (fd >= 0) ::close(fd);
    return -1;
  }

  // Copies bytes both ways until either side closes or the proxy cuts it.
  void pump(int a, int b) {
    std::array<char, 65536> buffer{};
    bool open = true;
    while (open && !stopping_) {
      std::array<pollfd, 2> fds{pollfd{a, POLLIN, 0}, pollfd{b, POLLIN, 0}};
      if (::poll(fds.data(), fds.size(), 100) <= 0) continue;
      for (int i = 0; i < 2 && open; ++i) {
        if (fds[i].revents == 0) continue;
        const ssize_t n = ::read(fds[i].fd, buffer.data(), buffer.size());
        if (n <= 0 || !writeAll(fds[1 - i].fd, buffer.data(), static_cast<size_t>(n))) open = false;
      }
    }
    std::lock_guard lock(mu_);
    open_.erase(a);
    open_.erase(b);
    ::close(a);
    ::close(b);
  }

  static bool writeAll(int fd, const char* data, size_t size) {
    while (size > 0) {
      const ssize_t n = ::send(fd, data, size, MSG_NOSIGNAL);
      if (n <= 0) return false;
      data += n;
      size -= static_cast<size_t>(n);
    }
    return true;
  }

  const int targetPort_;
  int listener_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> refusing_{false};
  std::thread acceptor_;
  std::mutex mu_;
  std::set<int> open_;             // guarded by mu_
  std::vector<std::thread> pumps_; // guarded by mu_ (joined in the destructor)
};

}  // namespace gantry::testing
