// The unit the controller host runs while it holds the leader Lease: a reconcile loop
// (provisioning, NodeClaim lifecycle, termination, garbage collection, ...). The host starts
// each one on its own thread when leadership is won and requests a stop when it is lost
// or on SIGTERM, so every loop must notice the stop token within about a second.
#pragma once

#include <memory>
#include <stop_token>
#include <string_view>

namespace gantry::provisioner {

class Controller {
 public:
  virtual ~Controller() = default;

  // A short lowercase name for logs and metrics ("provisioning", "nodeclaim-lifecycle").
  virtual std::string_view name() const = 0;

  // Reconciles until `stop` is requested, then returns. Errors are handled inside (logged,
  // retried with backoff, surfaced as Events and conditions); returning early is a bug.
  // REQUIRES: the cluster cache it reads has synced.
  virtual void run(std::stop_token stop) = 0;
};

using ControllerPtr = std::unique_ptr<Controller>;

}  // namespace gantry::provisioner
