// Pieces shared by the two halves of the provisioner (planning in provisioner.cpp, launching
// in provisioner_launch.cpp); not part of its interface.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <spdlog/logger.h>

#include "provisioner/provisioning/provisioner.h"

namespace gantry::provisioner {

std::shared_ptr<spdlog::logger> provisioningLogger();
kube::ObjectReference podRef(const api::Pod& pod);

struct Provisioner::Launch {
  api::NodeClaim claim;  // as created; name set after createNodeClaim
  std::vector<const api::Pod*> pods;
  std::string gang;
  std::string nodePool;
  api::Ec2NodeClass nodeClass;
  std::vector<api::InstanceType> candidates;  // cheapest first, offerings filtered
  bool created = false;
};

}  // namespace gantry::provisioner
