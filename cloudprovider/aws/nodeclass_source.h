// Where the EC2 provider finds the EC2NodeClass a NodeClaim names. The neutral CloudProvider
// seam carries only a NodeClassRef; the provider looks the class up here itself (as
// Karpenter's AWS provider reads its EC2NodeClass), so nothing above the provider needs to
// know the AWS kind. The controller wiring implements it over the cluster cache; unit tests
// use an in-memory map.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "src/api/ec2_nodeclass.h"

namespace gantry::cloudprovider::aws {

class Ec2NodeClassSource {
 public:
  virtual ~Ec2NodeClassSource() = default;
  // The EC2NodeClass named `name` as last seen, or null when there is none. Thread-safe.
  virtual std::shared_ptr<const api::Ec2NodeClass> nodeClass(const std::string& name) const = 0;
};

// A fixed set of classes, replaceable at any time: for tests, tools and benchmarks.
class InMemoryEc2NodeClassSource final : public Ec2NodeClassSource {
 public:
  InMemoryEc2NodeClassSource() = default;
  explicit InMemoryEc2NodeClassSource(const api::Ec2NodeClass& nodeClass) { put(nodeClass); }

  // Adds `nodeClass`, or replaces the one of the same name.
  void put(api::Ec2NodeClass nodeClass) {
    std::lock_guard lock(mu_);
    std::string name = nodeClass.name;
    classes_.insert_or_assign(std::move(name),
                              std::make_shared<const api::Ec2NodeClass>(std::move(nodeClass)));
  }
  void remove(const std::string& name) {
    std::lock_guard lock(mu_);
    classes_.erase(name);
  }
  std::shared_ptr<const api::Ec2NodeClass> nodeClass(const std::string& name) const override {
    std::lock_guard lock(mu_);
    auto it = classes_.find(name);
    return it == classes_.end() ? nullptr : it->second;
  }

 private:
  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<const api::Ec2NodeClass>> classes_;  // guarded by mu_
};

}  // namespace gantry::cloudprovider::aws
