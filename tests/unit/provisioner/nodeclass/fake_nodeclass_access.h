// Fakes of the EC2NodeClass status controller's seams: a store of node classes that the
// writer updates the way the apiserver and the informer cache together would (the next read
// sees the written status), with every write recorded and the next write's error injectable.
#pragma once

#include <chrono>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "provisioner/nodeclass/nodeclass_access.h"

namespace gantry::provisioner::nodeclass::testing {

class FakeNodeClassStore final : public NodeClassReader, public NodeClassStatusWriter {
 public:
  struct Write {
    std::string name;
    api::Ec2NodeClassStatus status;
  };

  // Adds or replaces a class (as a user's apply would; its status is kept as given).
  void put(api::Ec2NodeClass nodeClass) {
    std::lock_guard l(mu_);
    const std::string name = nodeClass.name;
    classes_[name] = std::make_shared<const api::Ec2NodeClass>(std::move(nodeClass));
  }
  void remove(const std::string& name) {
    std::lock_guard l(mu_);
    classes_.erase(name);
  }
  // The next writeStatus fails with `error` (and writes nothing).
  void failNextWrite(Status error) {
    std::lock_guard l(mu_);
    faults_.push_back(std::move(error));
  }
  std::vector<Write> writes() const {
    std::lock_guard l(mu_);
    return writes_;
  }

  std::vector<std::shared_ptr<const api::Ec2NodeClass>> nodeClasses() const override {
    std::lock_guard l(mu_);
    std::vector<std::shared_ptr<const api::Ec2NodeClass>> out;
    for (const auto& [name, c] : classes_) out.push_back(c);
    return out;
  }
  std::shared_ptr<const api::Ec2NodeClass> nodeClass(const std::string& name) const override {
    std::lock_guard l(mu_);
    auto it = classes_.find(name);
    return it == classes_.end() ? nullptr : it->second;
  }

  Status writeStatus(const std::string& name, const api::Ec2NodeClassStatus& status) override {
    std::lock_guard l(mu_);
    if (!faults_.empty()) {
      Status s = std::move(faults_.front());
      faults_.pop_front();
      return s;
    }
    auto it = classes_.find(name);
    if (it == classes_.end()) return Status::notFound("ec2nodeclasses " + name + " not found");
    writes_.push_back({name, status});
    auto updated = std::make_shared<api::Ec2NodeClass>(*it->second);
    // What the wire keeps of a timestamp: whole seconds.
    updated->status = status;
    for (auto& c : updated->status.conditions) {
      c.lastTransitionTime = std::chrono::floor<std::chrono::seconds>(c.lastTransitionTime);
    }
    it->second = std::move(updated);
    return Status::ok();
  }

 private:
  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<const api::Ec2NodeClass>> classes_;
  std::deque<Status> faults_;
  std::vector<Write> writes_;
};

}  // namespace gantry::provisioner::nodeclass::testing
