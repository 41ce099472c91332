// Small queries on the Pod model shared by the solver and the watcher.
#include "src/api/pod.h"

#include <algorithm>
#include <string_view>

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

namespace {

// (ans + "/" + aname) < (bns + "/" + bname), without the concatenations.
bool joinedLess(std::string_view ans, std::string_view aname, std::string_view bns,
                std::string_view bname) {
  if (ans == bns) return aname < bname;
  const auto [ai, bi] = std::mismatch(ans.begin(), ans.end(), bns.begin(), bns.end());
  // The first difference is inside the namespaces, or where the shorter one's "/" meets
  // the longer one's next character.
  const unsigned char x = ai == ans.end() ? '/' : static_cast<unsigned char>(*ai);
  const unsigned char y = bi == bns.end() ? '/' : static_cast<unsigned char>(*bi);
  if (x != y) return x < y;
  // Equal only when one namespace is the other plus "/...": compare the rest as strings.
  return std::string(ans) + "/" + std::string(aname) < std::string(bns) + "/" + std::string(bname);
}

}  // namespace

bool keyLess(const Pod& a, const Pod& b) {
  return joinedLess(a.ns, a.name, b.ns, b.name);
}

bool keyLess(const Pod& a, std::string_view key) {
  const size_t slash = key.find('/');
  if (slash == std::string_view::npos) return a.key() < key;
  return joinedLess(a.ns, a.name, key.substr(0, slash), key.substr(slash + 1));
}

}  // namespace gantry::api
