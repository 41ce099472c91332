// A port a pod binds on its node, shared by the Pod (what it asks for) and the Node (what the
// pods bound to it hold), so the solver can keep two users of one port apart.
#pragma once

#include <cstdint>
#include <string>

namespace gantry::api {

// A container port bound on the node (ports[].hostPort > 0). Two pods whose host ports share
// protocol and port may not share a node when their hostIPs overlap (the kube-scheduler
// NodePorts filter): equal, or either one the wildcard. Defined in pod.cpp.
struct HostPort {
  std::string protocol = "TCP";  // TCP, UDP, SCTP
  std::string hostIP;            // "" (unset) and "0.0.0.0" mean every address
  int32_t port = 0;
  bool conflictsWith(const HostPort& other) const;
  friend bool operator==(const HostPort&, const HostPort&) = default;
};

}  // namespace gantry::api
