// A LifecycleReader that lists NodeClaims and Nodes in name order. The informer store's
// lists come in hash order, which the standard library decides: the controllers break ties in
// that order (the disruption pass among candidates idle since the same second, say), so for a
// simulation to print the same bytes on every platform its controllers read through this.
// The in-memory cluster keeps both lists in name order as objects come and go, so a call
// copies pointers and sorts nothing.
// The pods on a node stay in store order: their readers sort them (drain) or only count them,
// and sorting them on every call cost a quarter of a day's simulation.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "provisioner/nodeclaim/cluster_access.h"
#include "provisioner/simulate/in_memory_cluster.h"

namespace gantry::provisioner::simulate {

class NameOrderedReader final : public nodeclaim::LifecycleReader {
 public:
  // REQUIRES: `inner` outlives the reader.
  explicit NameOrderedReader(const InMemoryCluster& inner) : inner_(inner) {}

  std::shared_ptr<const api::NodeClaim> nodeClaim(const std::string& name) const override {
    return inner_.nodeClaim(name);
  }
  std::vector<std::shared_ptr<const api::NodeClaim>> nodeClaims() const override {
    return inner_.nodeClaimsByName();
  }
  std::shared_ptr<const api::NodeClaim> nodeClaimByProviderId(
      const std::string& providerId) const override {
    return inner_.nodeClaimByProviderId(providerId);
  }
  std::shared_ptr<const api::Node> node(const std::string& name) const override {
    return inner_.node(name);
  }
  std::shared_ptr<const api::Node> nodeByProviderId(const std::string& providerId) const override {
    return inner_.nodeByProviderId(providerId);
  }
  std::vector<std::shared_ptr<const api::Node>> nodes() const override {
    return inner_.nodesByName();
  }
  std::shared_ptr<const api::NodePool> nodePool(const std::string& name) const override {
    return inner_.nodePool(name);
  }
  std::vector<std::shared_ptr<const api::NodePool>> nodePools() const override {
    return inner_.nodePools();
  }
  std::vector<std::shared_ptr<const api::Pod>> podsOn(const std::string& node) const override {
    return inner_.podsOn(node);
  }
  bool anyPodOn(const std::string& node,
                const std::function<bool(const api::Pod&)>& test) const override {
    return inner_.anyPodOn(node, test);
  }
  std::vector<std::shared_ptr<const api::Pod>> podsNominatedTo(
      const std::string& node) const override {
    return inner_.podsNominatedTo(node);
  }

 private:
  const InMemoryCluster& inner_;
};

}  // namespace gantry::provisioner::simulate
