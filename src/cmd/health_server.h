// The controller's probe endpoints (/healthz, /readyz) on a plain HTTP port: kubelet probes
// need nothing more than a status code, so a small blocking server on one thread will do.
#pragma once

#include <atomic>
#include <functional>
#include <string>
#include <thread>

#include "src/cmd/bind_address.h"
#include "src/common/status.h"

namespace gantry::cmd {

class HealthServer {
 public:
  // `ready` answers /readyz (200 when true, 503 otherwise); /healthz is 200 while the server
  // runs. REQUIRES: ready is thread-safe.
  explicit HealthServer(std::function<bool()> ready) : ready_(std::move(ready)) {}
  ~HealthServer() { stop(); }

  // Binds `address` (port 0 = any free port) and serves on a thread. Errors: kUnavailable
  // when the address cannot be bound.
  Status start(const BindAddress& address);
  // The bound port (after start).
  int port() const { return port_; }
  // Closes the socket and joins within ~200 ms. Idempotent.
  void stop();

 private:
  void serve();

  std::function<bool()> ready_;
  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace gantry::cmd
