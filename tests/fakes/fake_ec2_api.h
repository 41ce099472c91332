// A stateful in-process Ec2Api for unit tests of the layers above it (Karpenter's
// fake.EC2API): it keeps instances, launch templates, subnets, security groups and images,
// records every call, injects the next error of an action, and refuses chosen pools with a
// capacity error. Launches honour ClientToken as EC2 does. Thread-safe. Unit tests only.
#pragma once

#include <deque>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "cloudprovider/aws/ec2/ec2_api.h"

namespace gantry::cloudprovider::aws {

class FakeEc2Api final : public Ec2Api {
 public:
  // ---- set-up (call before use, or under no concurrency) -------------------------------
  std::vector<Subnet> subnets;
  std::vector<SecurityGroup> securityGroups;
  std::vector<Image> images;
  // At most this many instances per CreateFleet (-1: unlimited), to model partial fleets.
  int fleetCapacityLimit = -1;

  // The pool (type, zone, "spot"|"on-demand") answers `code` to every launch until cleared.
  void refusePool(std::string type, std::string zone, std::string lifecycle,
                  std::string code = "InsufficientInstanceCapacity") {
    std::lock_guard lock(mu_);
    refused_[{type, zone, lifecycle}] = code;
  }
  void clearRefusals() {
    std::lock_guard lock(mu_);
    refused_.clear();
  }
  // The next call of `action` ("CreateFleet", "DescribeInstances", ...) fails with `s`.
  void failNext(std::string action, Status s) {
    std::lock_guard lock(mu_);
    faults_[action].push_back(std::move(s));
  }

  // ---- inspection -------------------------------------------------------------------------
  std::vector<std::string> calls() const {
    std::lock_guard lock(mu_);
    return calls_;
  }
  size_t callCount(std::string_view action) const {
    std::lock_guard lock(mu_);
    size_t n = 0;
    for (const auto& c : calls_) n += c == action;
    return n;
  }
  std::vector<CreateFleetRequest> fleetRequests() const {
    std::lock_guard lock(mu_);
    return fleetRequests_;
  }
  std::vector<RunInstancesRequest> runRequests() const {
    std::lock_guard lock(mu_);
    return runRequests_;
  }
  std::vector<TerminateInstancesRequest> terminateRequests() const {
    std::lock_guard lock(mu_);
    return terminateRequests_;
  }
  std::vector<CreateLaunchTemplateRequest> launchTemplateRequests() const {
    std::lock_guard lock(mu_);
    return templateRequests_;
  }
  std::map<std::string, Instance> instances() const {
    std::lock_guard lock(mu_);
    return instances_;
  }
  // Adds an instance as if launched out of band.
  void putInstance(Instance instance) {
    std::lock_guard lock(mu_);
    instances_[instance.instanceId] = std::move(instance);
  }

  // ---- Ec2Api -------------------------------------------------------------------------------
  Result<CreateFleetResponse> createFleet(const CreateFleetRequest& request) override {
    std::lock_guard lock(mu_);
    if (auto s = enter("CreateFleet"); !s.isOk()) return fail(s);
    fleetRequests_.push_back(request);
    if (auto it = fleetsByToken_.find(request.clientToken);
        !request.clientToken.empty() && it != fleetsByToken_.end()) {
      return it->second;
    }
    CreateFleetResponse response{.fleetId = "fleet-" + std::to_string(++counter_)};
    const std::string lifecycle = request.defaultTargetCapacityType;
    int remaining = request.totalTargetCapacity;
    for (const auto& config : request.launchTemplateConfigs) {
      for (const auto& o : config.overrides) {
        if (remaining == 0) break;
        const std::string zone = zoneOf(o.subnetId);
        if (auto r = refused_.find({o.instanceType, zone, lifecycle}); r != refused_.end()) {
          response.errors.push_back({.instanceType = o.instanceType,
                                     .subnetId = o.subnetId,
                                     .lifecycle = lifecycle,
                                     .errorCode = r->second,
                                     .errorMessage = "no capacity"});
          continue;
        }
        int n = remaining;
        if (fleetCapacityLimit >= 0) n = std::min(n, fleetCapacityLimit);
        CreateFleetInstance launched{.instanceType = o.instanceType,
                                     .availabilityZone = zone,
                                     .subnetId = o.subnetId,
                                     .lifecycle = lifecycle == "spot" ? "spot" : ""};
        for (int i = 0; i < n; ++i) {
          Instance& in = newInstance(o.instanceType, zone, o.subnetId, lifecycle,
                                     request.tagSpecifications);
          launched.instanceIds.push_back(in.instanceId);
        }
        remaining -= n;
        if (n > 0) response.instances.push_back(std::move(launched));
        if (fleetCapacityLimit >= 0) remaining = 0;
      }
    }
    if (!request.clientToken.empty()) fleetsByToken_[request.clientToken] = response;
    return response;
  }

  Result<std::vector<Instance>> runInstances(const RunInstancesRequest& request) override {
    std::lock_guard lock(mu_);
    if (auto s = enter("RunInstances"); !s.isOk()) return fail(s);
    runRequests_.push_back(request);
    const std::string zone = zoneOf(request.subnetId);
    const std::string lifecycle = request.marketType == "spot" ? "spot" : "on-demand";
    if (auto r = refused_.find({request.instanceType, zone, lifecycle}); r != refused_.end()) {
      return fail(Status::insufficientCapacity("EC2 RunInstances: " + r->second + ": no capacity"));
    }
    std::vector<Instance> out;
    for (int i = 0; i < request.maxCount; ++i) {
      out.push_back(newInstance(request.instanceType, zone, request.subnetId, lifecycle,
                                request.tagSpecifications));
    }
    return out;
  }

  Result<std::vector<InstanceStateChange>> terminateInstances(
      const TerminateInstancesRequest& request) override {
    std::lock_guard lock(mu_);
    if (auto s = enter("TerminateInstances"); !s.isOk()) return fail(s);
    terminateRequests_.push_back(request);
    for (const auto& id : request.instanceIds) {
      if (!instances_.contains(id)) {
        return fail(Status::notFound("EC2 TerminateInstances: InvalidInstanceID.NotFound: " + id));
      }
    }
    std::vector<InstanceStateChange> out;
    for (const auto& id : request.instanceIds) {
      Instance& in = instances_[id];
      out.push_back({.instanceId = id, .previousState = in.state, .currentState = "terminated"});
      in.state = "terminated";
    }
    return out;
  }

  Result<std::vector<Instance>> describeInstances(const DescribeInstancesRequest& request) override {
    std::lock_guard lock(mu_);
    if (auto s = enter("DescribeInstances"); !s.isOk()) return fail(s);
    std::vector<Instance> out;
    for (const auto& id : request.instanceIds) {
      if (!instances_.contains(id)) {
        return fail(Status::notFound("EC2 DescribeInstances: InvalidInstanceID.NotFound: " + id));
      }
    }
    for (const auto& [id, in] : instances_) {
      if (!request.instanceIds.empty() &&
          std::find(request.instanceIds.begin(), request.instanceIds.end(), id) ==
              request.instanceIds.end()) {
        continue;
      }
      if (matches(in, request.filters)) out.push_back(in);
    }
    return out;
  }

  Result<std::vector<InstanceTypeInfo>> describeInstanceTypes(
      const DescribeInstanceTypesRequest&) override {
    return fail(Status::unimplemented("FakeEc2Api: DescribeInstanceTypes"));
  }
  Result<std::vector<InstanceTypeOffering>> describeInstanceTypeOfferings(
      const DescribeInstanceTypeOfferingsRequest&) override {
    return fail(Status::unimplemented("FakeEc2Api: DescribeInstanceTypeOfferings"));
  }
  Result<std::vector<SpotPrice>> describeSpotPriceHistory(
      const DescribeSpotPriceHistoryRequest&) override {
    return fail(Status::unimplemented("FakeEc2Api: DescribeSpotPriceHistory"));
  }

  Result<std::vector<Subnet>> describeSubnets(const DescribeByIdsRequest& request) override {
    std::lock_guard lock(mu_);
    if (auto s = enter("DescribeSubnets"); !s.isOk()) return fail(s);
    return select(subnets, request, [](const Subnet& s) { return s.subnetId; },
                  [](const Subnet& s) { return s.tags; });
  }
  Result<std::vector<SecurityGroup>> describeSecurityGroups(
      const DescribeByIdsRequest& request) override {
    std::lock_guard lock(mu_);
    if (auto s = enter("DescribeSecurityGroups"); !s.isOk()) return fail(s);
    return select(securityGroups, request, [](const SecurityGroup& g) { return g.groupId; },
                  [](const SecurityGroup& g) { return g.tags; });
  }
  Result<std::vector<Image>> describeImages(const DescribeByIdsRequest& request) override {
    std::lock_guard lock(mu_);
    if (auto s = enter("DescribeImages"); !s.isOk()) return fail(s);
    return select(images, request, [](const Image& i) { return i.imageId; },
                  [](const Image& i) { return i.tags; });
  }

  Status createTags(const std::vector<std::string>& ids, const std::vector<Tag>& tags) override {
    std::lock_guard lock(mu_);
    if (auto s = enter("CreateTags"); !s.isOk()) return s;
    for (const auto& id : ids) {
      auto it = instances_.find(id);
      if (it == instances_.end()) continue;
      for (const auto& t : tags) setTag(it->second.tags, t);
    }
    return Status::ok();
  }

  Result<LaunchTemplate> createLaunchTemplate(const CreateLaunchTemplateRequest& request) override {
    std::lock_guard lock(mu_);
    if (auto s = enter("CreateLaunchTemplate"); !s.isOk()) return fail(s);
    templateRequests_.push_back(request);
    for (const auto& lt : templates_) {
      if (lt.launchTemplateName == request.launchTemplateName) {
        return fail(Status::alreadyExists(
            "EC2 CreateLaunchTemplate: InvalidLaunchTemplateName.AlreadyExistsException"));
      }
    }
    templates_.push_back({.launchTemplateId = "lt-" + std::to_string(++counter_),
                          .launchTemplateName = request.launchTemplateName,
                          .defaultVersionNumber = 1,
                          .latestVersionNumber = 1});
    return templates_.back();
  }

  Result<std::vector<LaunchTemplate>> describeLaunchTemplates(
      const DescribeLaunchTemplatesRequest& request) override {
    std::lock_guard lock(mu_);
    if (auto s = enter("DescribeLaunchTemplates"); !s.isOk()) return fail(s);
    std::vector<LaunchTemplate> out;
    for (const auto& name : request.launchTemplateNames) {
      bool found = false;
      for (const auto& lt : templates_) {
        if (lt.launchTemplateName == name) {
          out.push_back(lt);
          found = true;
        }
      }
      if (!found) {
        return fail(Status::notFound(
            "EC2 DescribeLaunchTemplates: InvalidLaunchTemplateName.NotFoundException"));
      }
    }
    return out;
  }

  // Adds a template as if another controller had created it.
  void putLaunchTemplate(LaunchTemplate lt) {
    std::lock_guard lock(mu_);
    templates_.push_back(std::move(lt));
  }

 private:
  using Pool = std::tuple<std::string, std::string, std::string>;

  Status enter(const std::string& action) {
    calls_.push_back(action);
    auto it = faults_.find(action);
    if (it == faults_.end() || it->second.empty()) return Status::ok();
    Status s = std::move(it->second.front());
    it->second.pop_front();
    return s;
  }

  std::string zoneOf(const std::string& subnetId) const {
    for (const auto& s : subnets) {
      if (s.subnetId == subnetId) return s.availabilityZone;
    }
    return "";
  }

  static void setTag(std::vector<Tag>& tags, const Tag& tag) {
    for (auto& t : tags) {
      if (t.key == tag.key) {
        t.value = tag.value;
        return;
      }
    }
    tags.push_back(tag);
  }

  Instance& newInstance(const std::string& type, const std::string& zone,
                        const std::string& subnetId, const std::string& lifecycle,
                        const std::vector<TagSpecification>& specs) {
    Instance in{.instanceId = "i-" + std::to_string(100000 + ++counter_),
                .instanceType = type,
                .imageId = "ami-fake",
                .state = "pending",
                .availabilityZone = zone,
                .subnetId = subnetId,
                .lifecycle = lifecycle == "spot" ? "spot" : ""};
    for (const auto& spec : specs) {
      if (spec.resourceType != "instance") continue;
      for (const auto& t : spec.tags) setTag(in.tags, t);
    }
    return instances_[in.instanceId] = std::move(in);
  }

  static bool tagMatches(const std::vector<Tag>& tags, const Filter& f) {
    if (f.name == "tag-key") {
      return std::any_of(tags.begin(), tags.end(), [&](const Tag& t) {
        return std::find(f.values.begin(), f.values.end(), t.key) != f.values.end();
      });
    }
    const std::string key = f.name.substr(4);
    return std::any_of(tags.begin(), tags.end(), [&](const Tag& t) {
      return t.key == key && std::find(f.values.begin(), f.values.end(), t.value) != f.values.end();
    });
  }

  static bool matches(const Instance& in, const std::vector<Filter>& filters) {
    for (const auto& f : filters) {
      if (f.name == "instance-state-name") {
        if (std::find(f.values.begin(), f.values.end(), in.state) == f.values.end()) return false;
      } else if (f.name.starts_with("tag:") || f.name == "tag-key") {
        if (!tagMatches(in.tags, f)) return false;
      }
    }
    return true;
  }

  template <typename T, typename IdFn, typename TagsFn>
  static std::vector<T> select(const std::vector<T>& all, const DescribeByIdsRequest& request,
                               IdFn id, TagsFn tags) {
    std::vector<T> out;
    for (const auto& item : all) {
      if (!request.ids.empty() &&
          std::find(request.ids.begin(), request.ids.end(), id(item)) == request.ids.end()) {
        continue;
      }
      bool ok = true;
      for (const auto& f : request.filters) {
        if ((f.name.starts_with("tag:") || f.name == "tag-key") && !tagMatches(tags(item), f)) {
          ok = false;
        }
      }
      if (ok) out.push_back(item);
    }
    return out;
  }

  mutable std::mutex mu_;
  int counter_ = 0;
  std::vector<std::string> calls_;
  std::map<std::string, std::deque<Status>> faults_;
  std::map<Pool, std::string> refused_;
  std::map<std::string, Instance> instances_;
  std::vector<LaunchTemplate> templates_;
  std::map<std::string, CreateFleetResponse> fleetsByToken_;
  std::vector<CreateFleetRequest> fleetRequests_;
  std::vector<RunInstancesRequest> runRequests_;
  std::vector<TerminateInstancesRequest> terminateRequests_;
  std::vector<CreateLaunchTemplateRequest> templateRequests_;
};

}  // namespace gantry::cloudprovider::aws
