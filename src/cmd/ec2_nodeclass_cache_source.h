// The EC2 provider's node-class lookup in the controller: the EC2NodeClasses the cluster
// cache's informer holds. The provider reads through it on every launch and drift check, so
// it always sees the class as last watched, status included.
#pragma once

#include <memory>
#include <string>

#include "cloudprovider/aws/nodeclass_source.h"
#include "src/kube/cluster_cache.h"

namespace gantry::cmd {

class Ec2NodeClassCacheSource final : public cloudprovider::aws::Ec2NodeClassSource {
 public:
  explicit Ec2NodeClassCacheSource(kube::ClusterCache& cache) : cache_(cache) {}
  std::shared_ptr<const api::Ec2NodeClass> nodeClass(const std::string& name) const override {
    if (name.empty()) return nullptr;
    return cache_.ec2NodeClasses().store().get(name);
  }

 private:
  kube::ClusterCache& cache_;  // outlives this source
};

}  // namespace gantry::cmd
