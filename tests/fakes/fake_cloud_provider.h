// A CloudProvider for controllers' unit tests: a fixed catalog, launches recorded in order,
// capacity errors injectable per instance type (which, like the EC2 provider, mark that
// type's offerings unavailable), the next error injectable for any call, and node-class
// resolutions scripted per name (it plays the EC2 provider's status resolver too). No
// threads, no I/O.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "cloudprovider/aws/nodeclass_status_resolver.h"
#include "cloudprovider/aws/provider_id.h"
#include "cloudprovider/cloud_provider.h"

namespace gantry::cloudprovider {

class FakeCloudProvider final : public CloudProvider, public aws::Ec2NodeClassStatusResolver {
 public:
  explicit FakeCloudProvider(api::InstanceTypes types) : types_(std::move(types)) {}

  // Every create/createGroup request, in order.
  std::vector<CreateRequest> creates() const { std::lock_guard l(mu_); return creates_; }
  std::vector<CreateGroupRequest> groups() const { std::lock_guard l(mu_); return groups_; }
  std::vector<CloudInstance> instances() const { std::lock_guard l(mu_); return instances_; }
  // A launch whose cheapest candidate is `type` fails with kInsufficientCapacity and marks it
  // unavailable, as EC2 does.
  void failWithCapacityError(const std::string& type) { std::lock_guard l(mu_); ice_.insert(type); }
  // The next create/createGroup fails with `error`.
  void failNext(Status error) { std::lock_guard l(mu_); next_ = std::move(error); }
  // Called at the start of every create (e.g. to check what the cluster holds by then).
  std::function<void(const CreateRequest&)> onCreate;

  Result<CloudInstance> create(const CreateRequest& request) override {
    if (onCreate) onCreate(request);
    std::lock_guard l(mu_);
    creates_.push_back(request);
    auto r = launchLocked(request.nodeClaimName, request.nodePoolName, request.instanceTypes);
    if (!r) return fail(r.error());
    return *r;
  }

  Result<std::vector<CloudInstance>> createGroup(const CreateGroupRequest& request) override {
    std::lock_guard l(mu_);
    groups_.push_back(request);
    std::vector<CloudInstance> out;
    for (const auto& name : request.nodeClaimNames) {
      auto r = launchLocked(name, request.nodePoolName, request.instanceTypes);
      if (!r) {
        instances_.resize(instances_.size() - out.size());  // all or nothing
        return fail(r.error());
      }
      out.push_back(*r);
    }
    return out;
  }

  Status deleteInstance(std::string_view) override { return Status::ok(); }
  std::vector<Status> deleteInstances(const std::vector<std::string>& ids) override {
    return std::vector<Status>(ids.size());
  }
  Result<CloudInstance> get(std::string_view providerId) override {
    std::lock_guard l(mu_);
    for (const auto& i : instances_) {
      if (i.providerId == providerId) return i;
    }
    return fail(Status::notFound("no instance " + std::string(providerId)));
  }
  Result<std::vector<CloudInstance>> list() override { std::lock_guard l(mu_); return instances_; }
  Result<api::InstanceTypesPtr> instanceTypes() override {
    std::lock_guard l(mu_);
    return std::make_shared<const api::InstanceTypes>(types_);
  }
  Result<std::optional<std::string>> isDrifted(const CloudInstance&, const api::NodeClassRef&) override {
    return std::optional<std::string>{};
  }
  // The status set for that node class name (or error), else one where every part resolves:
  // subnet-fake-a (us-east-1a), sg-fake, ami-fake (amd64), all three conditions True.
  void setNodeClassStatus(const std::string& name, Result<api::Ec2NodeClassStatus> status) {
    std::lock_guard l(mu_);
    nodeClassStatus_.insert_or_assign(name, std::move(status));
  }
  // The next resolveNodeClass fails with `error`.
  void failNextResolve(Status error) { std::lock_guard l(mu_); nextResolve_ = std::move(error); }
  // Names passed to resolveNodeClass, in order.
  std::vector<std::string> resolved() const { std::lock_guard l(mu_); return resolved_; }
  Result<api::Ec2NodeClassStatus> resolveNodeClass(const api::Ec2NodeClass& nodeClass) override {
    std::lock_guard l(mu_);
    resolved_.push_back(nodeClass.name);
    if (!nextResolve_.isOk()) {
      Status e = std::move(nextResolve_);
      nextResolve_ = Status::ok();
      return fail(e);
    }
    if (auto it = nodeClassStatus_.find(nodeClass.name); it != nodeClassStatus_.end()) {
      return it->second;
    }
    return resolvedStatus(nodeClass.instanceProfile);
  }
  // The default answer of resolveNodeClass.
  static api::Ec2NodeClassStatus resolvedStatus(std::string instanceProfile = "") {
    api::Ec2NodeClassStatus s;
    s.subnets = {{.id = "subnet-fake-a", .zone = "us-east-1a", .zoneId = "use1-az1"}};
    s.securityGroups = {{.id = "sg-fake", .name = "nodes"}};
    s.amis = {{.id = "ami-fake",
               .name = "fake-image",
               .requirements = {{.key = "kubernetes.io/arch", .op = api::SelectorOp::kIn, .values = {"amd64"}}}}};
    s.instanceProfile = std::move(instanceProfile);
    for (const char* type : {"SubnetsReady", "SecurityGroupsReady", "AMIsReady"}) {
      s.conditions.push_back(
          {.type = type, .status = api::ConditionStatus::kTrue, .reason = type, .message = ""});
    }
    return s;
  }
  // What nodeFixedCostPerHour answers for a class name; 0 for others.
  void setNodeFixedCost(const std::string& nodeClass, double perHour) {
    std::lock_guard l(mu_);
    fixedCosts_[nodeClass] = perHour;
  }
  double nodeFixedCostPerHour(const api::NodeClassRef& ref) const override {
    std::lock_guard l(mu_);
    auto it = fixedCosts_.find(ref.name);
    return it == fixedCosts_.end() ? 0 : it->second;
  }
  std::string_view name() const override { return "fake"; }

 private:
  Result<CloudInstance> launchLocked(const std::string& claim, const std::string& pool,
                                     const std::vector<api::InstanceType>& candidates) {
    if (!next_.isOk()) {
      Status e = std::move(next_);
      next_ = Status::ok();
      return fail(e);
    }
    if (candidates.empty() || candidates.front().offerings.empty()) {
      return fail(Status::invalid("no candidates"));
    }
    const api::InstanceType& type = candidates.front();
    if (ice_.contains(type.name)) {
      for (auto& t : types_) {
        if (t.name != type.name) continue;
        for (auto& o : t.offerings) o.available = false;
      }
      return fail(Status::insufficientCapacity("InsufficientInstanceCapacity: " + type.name));
    }
    CloudInstance i;
    i.instanceId = "i-" + std::to_string(1000 + instances_.size());
    i.zone = type.offerings.front().zone;
    i.providerId = aws::makeProviderId(i.zone, i.instanceId);  // the fake plays EC2
    i.instanceType = type.name;
    i.capacityType = type.offerings.front().capacityType;
    i.pricePerHour = type.offerings.front().pricePerHour;
    i.capacity = type.capacity;
    i.imageId = "ami-fake";
    i.state = "pending";
    i.nodeClaimName = claim;
    i.nodePoolName = pool;
    instances_.push_back(i);
    return i;
  }

  mutable std::mutex mu_;
  api::InstanceTypes types_;
  std::vector<CreateRequest> creates_;
  std::vector<CreateGroupRequest> groups_;
  std::vector<CloudInstance> instances_;
  std::set<std::string> ice_;
  Status next_;
  std::map<std::string, Result<api::Ec2NodeClassStatus>> nodeClassStatus_;
  std::map<std::string, double> fixedCosts_;
  std::vector<std::string> resolved_;
  Status nextResolve_;
};

}  // namespace gantry::cloudprovider
