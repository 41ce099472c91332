// Pieces shared by the two halves of the provisioner (planning in provisioner.cpp, creating
// NodeClaims in provisioner_claims.cpp); not part of its interface.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <spdlog/logger.h>

#include "provisioner/provisioning/provisioner.h"

namespace gantry::provisioner {

std::shared_ptr<spdlog::logger> provisioningLogger();
kube::ObjectReference podRef(const api::Pod& pod);

struct Provisioner::PlannedClaim {
  api::NodeClaim claim;  // as created; name set after createNodeClaim
  std::vector<const api::Pod*> pods;
  std::string nodePool;
  std::string instanceType;  // the cheapest candidate, for logs and metrics
  std::string capacityType;  // "on-demand" or "spot"
  std::string zone;          // the plan's zone; "" when it allows several
  bool created = false;
};

}  // namespace gantry::provisioner
