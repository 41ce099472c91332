// Everything but launching: lookup by providerID, listing by cluster tag, batched
// termination, the catalog overlay and drift. Launching is in ec2_cloud_provider_launch.cpp.
#include "cloudprovider/aws/ec2_cloud_provider.h"

#include <algorithm>
#include <map>
#include <set>

#include "cloudprovider/aws/node_fixed_cost.h"
#include "cloudprovider/aws/provider_id.h"
#include "cloudprovider/aws/transport/crypto.h"
#include "cloudprovider/aws/transport/logging.h"

namespace gantry::cloudprovider::aws {

namespace {
constexpr size_t kTerminateChunk = 1000;  // EC2's limit of ids per TerminateInstances
}  // namespace

Ec2CloudProvider::Ec2CloudProvider(Ec2CloudProviderOptions options, Ec2Api& ec2, SsmApi* ssm,
                                   Clock& clock, CatalogSource catalog,
                                   const Ec2NodeClassSource& nodeClasses)
    : options_(std::move(options)),
      ec2_(ec2),
      catalog_(std::move(catalog)),
      nodeClasses_(nodeClasses),
      unavailable_(clock, options_.unavailableOfferingsTtl),
      resolver_(options_.resolver, ec2, ssm, clock),
      templates_(ec2) {}

std::string Ec2CloudProvider::clientTokenFor(std::string_view kind, std::string_view name) {
  // A hash, not the name itself: NodeClaim names can exceed EC2's 64-character limit, and
  // the kind keeps a claim and a group of the same name apart.
  return "gantry-" + sha256Hex(std::string(kind) + "/" + std::string(name)).substr(0, 48);
}

CloudInstance Ec2CloudProvider::toCloudInstance(const Instance& instance) const {
  CloudInstance out{.instanceId = instance.instanceId,
                    .providerId = makeProviderId(instance.availabilityZone, instance.instanceId),
                    .instanceType = instance.instanceType,
                    .zone = instance.availabilityZone,
                    .capacityType = instance.lifecycle == "spot" ? api::CapacityType::kSpot
                                                                 : api::CapacityType::kOnDemand,
                    .imageId = instance.imageId,
                    .subnetId = instance.subnetId,
                    .state = instance.state,
                    .launchTime = instance.launchTime};
  for (const auto& tag : instance.tags) {
    out.tags[tag.key] = tag.value;
    if (tag.key == kNodeClaimTagKey) out.nodeClaimName = tag.value;
    if (tag.key == kNodePoolTagKey) out.nodePoolName = tag.value;
  }
  return out;
}

Result<std::vector<Instance>> Ec2CloudProvider::findTagged(std::string_view key,
                                                           std::string_view value) {
  std::vector<Filter> filters = {
      {.name = "tag:" + std::string(kClusterTagKey), .values = {options_.clusterName}},
      {.name = "instance-state-name", .values = {"pending", "running", "stopping", "stopped"}}};
  if (key != kClusterTagKey) {
    filters.push_back({.name = "tag:" + std::string(key), .values = {std::string(value)}});
  }
  return ec2_.describeInstances({.filters = std::move(filters)});
}

Result<CloudInstance> Ec2CloudProvider::get(std::string_view providerId) {
  auto id = instanceIdFromProviderId(providerId);
  if (!id) return fail(id.error());
  auto found = ec2_.describeInstances({.instanceIds = {*id}});
  if (!found) return fail(found.error());
  for (const auto& instance : *found) {
    if (instance.instanceId != *id) continue;
    if (instance.state == "terminated") break;
    return toCloudInstance(instance);
  }
  return fail(Status::notFound("instance " + *id + " is gone"));
}

Result<std::vector<CloudInstance>> Ec2CloudProvider::list() {
  std::vector<Filter> filters = {
      {.name = "tag:" + std::string(kClusterTagKey), .values = {options_.clusterName}},
      {.name = "instance-state-name",
       .values = {"pending", "running", "shutting-down", "stopping", "stopped"}}};
  auto found = ec2_.describeInstances({.filters = std::move(filters)});
  if (!found) return fail(found.error());
  std::vector<CloudInstance> out;
  out.reserve(found->size());
  for (const auto& instance : *found) out.push_back(toCloudInstance(instance));
  return out;
}

Status Ec2CloudProvider::deleteInstance(std::string_view providerId) {
  return deleteInstances({std::string(providerId)}).front();
}

std::vector<Status> Ec2CloudProvider::deleteInstances(const std::vector<std::string>& providerIds) {
  std::vector<Status> results(providerIds.size());
  std::vector<std::pair<size_t, std::string>> valid;  // (index, instance id)
  for (size_t i = 0; i < providerIds.size(); ++i) {
    auto id = instanceIdFromProviderId(providerIds[i]);
    if (!id) {
      results[i] = id.error();
    } else {
      valid.emplace_back(i, *id);
    }
  }
  // Terminating an instance already terminated answers previousState "terminated": that
  // one is gone (kNotFound), the contract's signal that deletion is complete.
  auto record = [&](const std::vector<std::pair<size_t, std::string>>& batch,
                    const std::vector<InstanceStateChange>& changes) {
    std::map<std::string, const InstanceStateChange*> byId;
    for (const auto& c : changes) byId[c.instanceId] = &c;
    for (const auto& [index, id] : batch) {
      auto it = byId.find(id);
      if (it == byId.end() || it->second->previousState == "terminated") {
        results[index] = Status::notFound("instance " + id + " is gone");
      } else {
        results[index] = Status::ok();
      }
    }
  };
  for (size_t start = 0; start < valid.size(); start += kTerminateChunk) {
    const size_t end = std::min(valid.size(), start + kTerminateChunk);
    const std::vector<std::pair<size_t, std::string>> batch(valid.begin() + start,
                                                             valid.begin() + end);
    std::vector<std::string> ids;
    for (const auto& [index, id] : batch) ids.push_back(id);
    auto changes = ec2_.terminateInstances({.instanceIds = ids});
    if (changes) {
      record(batch, *changes);
      awsLogger()->info("terminated instances count={}", ids.size());
      continue;
    }
    if (!changes.error().isNotFound() || batch.size() == 1) {
      for (const auto& [index, id] : batch) results[index] = changes.error();
      continue;
    }
    // One unknown id fails the whole call: settle the batch one id at a time.
    for (const auto& one : batch) {
      auto single = ec2_.terminateInstances({.instanceIds = {one.second}});
      if (single) {
        record({one}, *single);
      } else {
        results[one.first] = single.error();
      }
    }
  }
  return results;
}

Result<api::InstanceTypesPtr> Ec2CloudProvider::instanceTypes() {
  if (!catalog_) return fail(Status::unimplemented("no catalog configured"));
  auto types = catalog_();
  if (!types) return fail(types.error());
  if (!*types) return fail(Status::internal("catalog source returned null"));
  if (unavailable_.size() == 0) return *types;
  return std::make_shared<const api::InstanceTypes>(unavailable_.apply(**types));
}

Result<std::shared_ptr<const api::Ec2NodeClass>> Ec2CloudProvider::findNodeClass(
    const api::NodeClassRef& ref) const {
  // An empty kind is what a NodeClaim written before kinds were recorded carries.
  if (!ref.kind.empty() && ref.kind != "EC2NodeClass") {
    return fail(Status::invalid("node class kind \"" + ref.kind + "\" of " + ref.name +
                                " is not EC2NodeClass, the only kind the aws provider serves"));
  }
  auto nodeClass = nodeClasses_.nodeClass(ref.name);
  if (!nodeClass) return fail(Status::notFound("EC2NodeClass \"" + ref.name + "\" not found"));
  return nodeClass;
}

double Ec2CloudProvider::nodeFixedCostPerHour(const api::NodeClassRef& nodeClassRef) const {
  // A class that is gone cannot launch; the default keeps the objective sensible meanwhile.
  auto found = findNodeClass(nodeClassRef);
  return found ? aws::nodeFixedCostPerHour(**found) : defaultNodeFixedCostPerHour();
}

Result<std::optional<std::string>> Ec2CloudProvider::isDrifted(const CloudInstance& instance,
                                                               const api::NodeClassRef& nodeClassRef) {
  auto found = findNodeClass(nodeClassRef);
  if (!found) return fail(found.error());
  const api::Ec2NodeClass& nodeClass = **found;
  auto images = resolver_.images(nodeClass);
  if (!images) return fail(images.error());
  const bool imageKnown = std::any_of(images->begin(), images->end(), [&](const auto& i) {
    return i.imageId == instance.imageId;
  });
  if (!imageKnown) return std::optional<std::string>("ImageDrift");
  if (!instance.subnetId.empty()) {
    auto subnets = resolver_.subnets(nodeClass);
    if (!subnets) return fail(subnets.error());
    const bool subnetKnown = std::any_of(subnets->begin(), subnets->end(), [&](const auto& s) {
      return s.subnetId == instance.subnetId;
    });
    if (!subnetKnown) return std::optional<std::string>("SubnetDrift");
  }
  // The groups are one set the node class resolves to and launches with, so any difference
  // (one added to the selectors, one gone) is drift. The neutral CloudInstance does not carry
  // them, so the instance is described here; an instance without groups in the answer (moto
  // leaves a fleet's launch-template groups out) is not judged.
  if (!instance.instanceId.empty()) {
    auto described = ec2_.describeInstances({.instanceIds = {instance.instanceId}});
    if (!described) return fail(described.error());
    for (const auto& i : *described) {
      if (i.instanceId != instance.instanceId || i.securityGroupIds.empty()) continue;
      auto groups = resolver_.securityGroupIds(nodeClass);
      if (!groups) return fail(groups.error());
      if (i.securityGroupIds != *groups) return std::optional<std::string>("SecurityGroupDrift");
    }
  }
  return std::optional<std::string>();
}

void Ec2CloudProvider::markFailure(api::CapacityType capacityType, const std::string& instanceType,
                                   const std::string& zone, const std::string& code) {
  unavailable_.mark(capacityType, instanceType, zone, code);
  awsLogger()->info("marked offering unavailable type={} zone={} capacity_type={} reason={}",
                    instanceType, zone, api::capacityTypeName(capacityType), code);
}

}  // namespace gantry::cloudprovider::aws
