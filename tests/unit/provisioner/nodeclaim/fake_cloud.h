// A cloud of instances for the lifecycle controllers' tests: instances that terminate in two
// steps (shutting-down, then gone), as EC2 does. Tests only.
#pragma once

#include <algorithm>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "cloudprovider/cloud_provider.h"

namespace gantry::provisioner::nodeclaim::testing {

// Instances by providerID; deleteInstance moves running → shutting-down (OK), reap() makes the
// shutting-down ones gone (then kNotFound). create/createGroup launch on the first candidate's
// first offering, idempotently per claim (as the EC2 provider's tag lookup makes them), unless
// an error is queued; instanceTypes() serves `catalog` when set.
class FakeCloud final : public cloudprovider::CloudProvider {
 public:
  api::InstanceTypesPtr catalog;
  std::vector<Status> createErrors;  // returned by the next create/createGroup calls, in order
  std::vector<cloudprovider::CreateRequest> creates;
  std::vector<cloudprovider::CreateGroupRequest> groupCreates;

  void addInstance(cloudprovider::CloudInstance i) { instances_[i.providerId] = std::move(i); }
  void reap() {
    std::erase_if(instances_, [](const auto& kv) { return kv.second.state == "shutting-down"; });
  }
  bool exists(const std::string& pid) const { return instances_.contains(pid); }
  std::string state(const std::string& pid) const {
    auto it = instances_.find(pid);
    return it == instances_.end() ? "gone" : it->second.state;
  }
  int deletes = 0;

  // The node classes the cloud knows. Like the EC2 provider, a launch naming another one
  // fails with kNotFound naming it.
  std::set<std::string> nodeClasses{"default"};

  Result<cloudprovider::CloudInstance> create(const cloudprovider::CreateRequest& r) override {
    creates.push_back(r);
    if (Status s = knownNodeClass(r.nodeClassRef); !s.isOk()) return fail(s);
    if (!createErrors.empty()) {
      Status s = createErrors.front();
      createErrors.erase(createErrors.begin());
      return fail(s);
    }
    return launchFor(r.nodeClaimName, r.nodePoolName, r.instanceTypes);
  }
  Result<std::vector<cloudprovider::CloudInstance>> createGroup(
      const cloudprovider::CreateGroupRequest& r) override {
    groupCreates.push_back(r);
    if (Status s = knownNodeClass(r.nodeClassRef); !s.isOk()) return fail(s);
    if (!createErrors.empty()) {
      Status s = createErrors.front();
      createErrors.erase(createErrors.begin());
      return fail(s);
    }
    std::vector<cloudprovider::CloudInstance> out;
    for (const auto& name : r.nodeClaimNames) {
      auto i = launchFor(name, r.nodePoolName, r.instanceTypes);
      if (!i) return fail(i.error());
      out.push_back(*i);
    }
    return out;
  }
  // Instances launched through create/createGroup (found ones not counted again).
  int launches = 0;
  Status deleteInstance(std::string_view pid) override {
    ++deletes;
    if (!pid.starts_with("aws:///")) return Status::invalid("malformed providerID");
    auto it = instances_.find(std::string(pid));
    if (it == instances_.end()) return Status::notFound("instance gone");
    it->second.state = "shutting-down";
    return Status::ok();
  }
  std::vector<Status> deleteInstances(const std::vector<std::string>& pids) override {
    std::vector<Status> out;
    for (const auto& p : pids) out.push_back(deleteInstance(p));
    return out;
  }
  Result<cloudprovider::CloudInstance> get(std::string_view pid) override {
    auto it = instances_.find(std::string(pid));
    if (it == instances_.end()) return fail(Status::notFound("gone"));
    return it->second;
  }
  Result<std::vector<cloudprovider::CloudInstance>> list() override {
    std::vector<cloudprovider::CloudInstance> out;
    for (const auto& [pid, i] : instances_) out.push_back(i);
    return out;
  }
  Result<api::InstanceTypesPtr> instanceTypes() override {
    if (!catalog) return fail(Status::unimplemented("fake"));
    return catalog;
  }
  // What isDrifted answers (nullopt: not drifted), or driftError when set; counted.
  std::optional<std::string> drift;
  std::optional<Status> driftError;
  int driftChecks = 0;
  Result<std::optional<std::string>> isDrifted(const cloudprovider::CloudInstance&,
                                               const api::NodeClassRef&) override {
    ++driftChecks;
    if (driftError) return fail(*driftError);
    return drift;
  }
  std::string_view name() const override { return "fake"; }

 private:
  Status knownNodeClass(const api::NodeClassRef& ref) const {
    if (nodeClasses.contains(ref.name)) return Status::ok();
    return Status::notFound("EC2NodeClass \"" + ref.name + "\" not found");
  }
  Result<cloudprovider::CloudInstance> launchFor(const std::string& claim, const std::string& pool,
                                                 const std::vector<api::InstanceType>& types) {
    for (const auto& [pid, i] : instances_) {
      if (i.nodeClaimName == claim && i.state != "shutting-down") return i;
    }
    if (types.empty() || types.front().offerings.empty()) {
      return fail(Status::invalid("no candidate instance types"));
    }
    const api::InstanceType& t = types.front();
    const api::Offering& o = t.offerings.front();
    const std::string id = "i-" + std::to_string(1000 + instances_.size());
    cloudprovider::CloudInstance i{.instanceId = id,
                                   .providerId = "aws:///" + o.zone + "/" + id,
                                   .instanceType = t.name,
                                   .zone = o.zone,
                                   .capacityType = o.capacityType,
                                   .pricePerHour = o.pricePerHour,
                                   .capacity = t.capacity,
                                   .imageId = "ami-fake",
                                   .state = "running",
                                   .nodeClaimName = claim,
                                   .nodePoolName = pool};
    instances_[i.providerId] = i;
    ++launches;
    return i;
  }

  std::map<std::string, cloudprovider::CloudInstance> instances_;
};

}  // namespace gantry::provisioner::nodeclaim::testing
