// Small queries on the Pod model shared by the solver and the watcher.
#include "src/api/pod.h"

namespace gantry::api {

bool Pod::needsAccelerator() const {
  for (const auto& [resourceName, q] : requests.entries()) {
    if (resource::isAccelerator(resourceName) && q.sign() > 0) return true;
  }
  return false;
}

bool Pod::nodeLabelsAllowed(const Labels& nodeLabels) const {
  for (const auto& [k, v] : nodeSelector) {
    auto it = nodeLabels.find(k);
    if (it == nodeLabels.end() || it->second != v) return false;
  }
  return requiredNodeAffinity.matches(nodeLabels);
}

bool HostPort::conflictsWith(const HostPort& other) const {
  if (port != other.port || protocol != other.protocol) return false;
  auto wildcard = [](const std::string& ip) { return ip.empty() || ip == "0.0.0.0"; };
  return wildcard(hostIP) || wildcard(other.hostIP) || hostIP == other.hostIP;
}

}  // namespace gantry::api
