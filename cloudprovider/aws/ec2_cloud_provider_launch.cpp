// Launching: resolve the node class, plan the pools, ensure the launch templates, then one
// CreateFleet (or RunInstances pool by pool). Capacity errors mark their pool unavailable so
// that the next attempt, and the planner, skip it; a launch that got nothing is
// kInsufficientCapacity naming every pool that failed.
#include <algorithm>
#include <map>
#include <set>

#include "cloudprovider/aws/ec2_cloud_provider.h"
#include "cloudprovider/aws/provider_id.h"
#include "cloudprovider/aws/transport/crypto.h"
#include "cloudprovider/aws/transport/logging.h"

namespace gantry::cloudprovider::aws {

struct Ec2CloudProvider::Launch {
  const std::vector<api::InstanceType>* candidates = nullptr;
  LaunchPlan plan{};
  std::map<std::string, LaunchTemplateSpecification> templateByImage{};
  std::vector<Tag> tags{};
};

namespace {

std::string_view marketName(api::CapacityType t) { return api::capacityTypeName(t); }

// The catalog's price and capacity for a launched pool.
void fillFromCandidates(CloudInstance& out, const std::vector<api::InstanceType>& candidates) {
  for (const auto& type : candidates) {
    if (type.name != out.instanceType) continue;
    out.capacity = type.capacity;
    for (const auto& o : type.offerings) {
      if (o.zone == out.zone && o.capacityType == out.capacityType) out.pricePerHour = o.pricePerHour;
    }
    return;
  }
}

// Fleet is unsupported here (an account or endpoint without it): worth trying RunInstances.
bool fleetUnsupported(const Status& s) {
  const auto& m = s.message();
  return s.code() == StatusCode::kUnimplemented || m.find("InvalidAction") != std::string::npos ||
         m.find("UnsupportedOperation") != std::string::npos ||
         m.find("NotImplemented") != std::string::npos;
}

void setTag(std::vector<Tag>& tags, std::string_view key, std::string_view value) {
  for (auto& t : tags) {
    if (t.key == key) {
      t.value = std::string(value);
      return;
    }
  }
  tags.push_back({std::string(key), std::string(value)});
}

}  // namespace

Result<Ec2CloudProvider::Launch> Ec2CloudProvider::prepare(
    const std::string& nodePoolName, const api::Ec2NodeClass& nodeClass,
    const std::vector<api::InstanceType>& candidates, const api::Labels& extra, bool singleZone) {
  if (candidates.empty()) return fail(Status::invalid("no candidate instance types"));
  auto subnets = resolver_.subnets(nodeClass);
  if (!subnets) return fail(subnets.error());
  auto groups = resolver_.securityGroupIds(nodeClass);
  if (!groups) return fail(groups.error());
  auto images = resolver_.images(nodeClass);
  if (!images) return fail(images.error());

  Launch launch{.candidates = &candidates};
  launch.plan = planLaunch(candidates, *subnets, unavailable_,
                           {.maxPools = options_.maxOverrides, .singleZone = singleZone});
  std::erase_if(launch.plan.pools, [&](LaunchPool& pool) {
    auto image = NodeClassResolver::imageFor(*images, candidates[pool.candidateIndex]);
    if (image) pool.imageId = image->imageId;
    return !image;
  });
  if (launch.plan.pools.empty()) {
    std::string names;
    for (const auto& t : candidates) names += (names.empty() ? "" : ",") + t.name;
    return fail(Status::insufficientCapacity(
        "no launchable offering for types [" + names +
        "]: every allowed offering is unavailable, has no subnet in its zone, or no AMI fits"));
  }
  for (const auto& pool : launch.plan.pools) {
    if (launch.templateByImage.contains(pool.imageId)) continue;
    auto lt = templates_.ensure({.clusterName = options_.clusterName,
                                 .imageId = pool.imageId,
                                 .securityGroupIds = *groups,
                                 .nodeClass = &nodeClass});
    if (!lt) return fail(lt.error());
    launch.templateByImage[pool.imageId] = *lt;
  }
  for (const auto& [k, v] : nodeClass.tags) setTag(launch.tags, k, v);
  for (const auto& [k, v] : extra) setTag(launch.tags, k, v);
  setTag(launch.tags, kClusterTagKey, options_.clusterName);
  setTag(launch.tags, kNodePoolTagKey, nodePoolName);
  return launch;
}

Result<std::vector<CloudInstance>> Ec2CloudProvider::launch(const Launch& l, int count,
                                                            const std::string& clientToken) {
  if (options_.launchApi == LaunchApi::kRunInstances) {
    return launchRunInstances(l, count, clientToken);
  }
  return launchFleet(l, count, clientToken);
}

Result<std::vector<CloudInstance>> Ec2CloudProvider::launchFleet(const Launch& l, int count,
                                                                 const std::string& clientToken) {
  const bool spot = l.plan.capacityType == api::CapacityType::kSpot;
  CreateFleetRequest request{.totalTargetCapacity = count,
                             .defaultTargetCapacityType = std::string(marketName(l.plan.capacityType)),
                             .tagSpecifications = {{.resourceType = "instance", .tags = l.tags},
                                                   {.resourceType = "volume", .tags = l.tags}},
                             .clientToken = clientToken};
  if (spot) {
    request.spotAllocationStrategy = "price-capacity-optimized";
  } else {
    request.onDemandAllocationStrategy = "lowest-price";
  }
  if (count > 1) {  // a gang: all of it in one zone with one type, or nothing
    request.minTargetCapacity = count;
    request.singleAvailabilityZone = true;
    request.singleInstanceType = true;
  }
  for (const auto& [image, spec] : l.templateByImage) {
    FleetLaunchTemplateConfig config{.launchTemplate = spec};
    for (const auto& pool : l.plan.pools) {
      if (pool.imageId == image) {
        config.overrides.push_back({.instanceType = pool.instanceType, .subnetId = pool.subnetId});
      }
    }
    request.launchTemplateConfigs.push_back(std::move(config));
  }

  auto response = ec2_.createFleet(request);
  if (!response) {
    if (options_.fallbackToRunInstances && fleetUnsupported(response.error())) {
      awsLogger()->warn("falling back to RunInstances reason={}", response.error().toString());
      return launchRunInstances(l, count, clientToken);
    }
    return fail(response.error());
  }

  std::map<std::string, std::string> zoneBySubnet;
  std::map<std::string, std::string> imageByType;
  for (const auto& pool : l.plan.pools) {
    zoneBySubnet[pool.subnetId] = pool.zone;
    imageByType[pool.instanceType] = pool.imageId;
  }
  std::string failures;
  std::vector<std::string> messages;
  for (const auto& e : response->errors) {
    std::string zone = e.availabilityZone;
    if (zone.empty() && zoneBySubnet.contains(e.subnetId)) zone = zoneBySubnet[e.subnetId];
    const api::CapacityType ct = e.lifecycle.empty()    ? l.plan.capacityType
                                 : e.lifecycle == "spot" ? api::CapacityType::kSpot
                                                         : api::CapacityType::kOnDemand;
    if (isCapacityErrorCode(e.errorCode) && !e.instanceType.empty() && !zone.empty()) {
      markFailure(ct, e.instanceType, zone, e.errorCode);
    }
    failures += (failures.empty() ? "" : "; ") + e.instanceType + "/" + zone + "/" +
                std::string(marketName(ct)) + ": " + e.errorCode;
    if (!e.errorMessage.empty() &&
        std::find(messages.begin(), messages.end(), e.errorMessage) == messages.end()) {
      messages.push_back(e.errorMessage);
    }
  }
  // EC2's own words once each (every pool of a type tends to say the same): users search
  // for them, and they name what the codes do not (the type, a quota, an AMI).
  for (size_t i = 0; i < messages.size(); ++i) {
    failures += (i == 0 ? " (EC2: \"" : "; \"") + messages[i] + "\"";
    if (i + 1 == messages.size()) failures += ")";
  }

  std::vector<CloudInstance> out;
  for (const auto& group : response->instances) {
    for (const auto& id : group.instanceIds) {
      CloudInstance ci{.instanceId = id,
                       .instanceType = group.instanceType,
                       .zone = group.availabilityZone.empty() ? zoneBySubnet[group.subnetId]
                                                              : group.availabilityZone,
                       .capacityType = group.lifecycle.empty()
                                           ? l.plan.capacityType
                                           : (group.lifecycle == "spot" ? api::CapacityType::kSpot
                                                                        : api::CapacityType::kOnDemand),
                       .imageId = imageByType[group.instanceType],
                       .subnetId = group.subnetId,
                       .state = "pending"};
      ci.providerId = makeProviderId(ci.zone, id);
      fillFromCandidates(ci, *l.candidates);
      out.push_back(std::move(ci));
    }
  }
  if (out.size() < static_cast<size_t>(count)) {
    if (!out.empty()) {
      // All or nothing: a fleet that honoured only part of a gang is undone.
      std::vector<std::string> ids;
      for (const auto& ci : out) ids.push_back(ci.providerId);
      (void)deleteInstances(ids);
      failures += (failures.empty() ? "" : "; ") + std::to_string(out.size()) + " of " +
                  std::to_string(count) + " launched, terminated again";
    }
    return fail(Status::insufficientCapacity(
        "CreateFleet launched nothing in " + std::to_string(l.plan.pools.size()) + " pools" +
        (failures.empty() ? std::string() : ": " + failures)));
  }
  return out;
}

Result<std::vector<CloudInstance>> Ec2CloudProvider::launchRunInstances(
    const Launch& l, int count, const std::string& clientToken) {
  std::string failures;
  size_t attempts = 0;
  for (const auto& pool : l.plan.pools) {
    if (attempts++ >= options_.maxRunInstancesAttempts) break;
    RunInstancesRequest request{
        .launchTemplate = l.templateByImage.at(pool.imageId),
        .instanceType = pool.instanceType,
        .subnetId = pool.subnetId,
        .minCount = count,
        .maxCount = count,
        .marketType = l.plan.capacityType == api::CapacityType::kSpot ? "spot" : "",
        .tagSpecifications = {{.resourceType = "instance", .tags = l.tags},
                              {.resourceType = "volume", .tags = l.tags}},
        // Distinct per pool (EC2 refuses a token reused with other parameters), stable per
        // claim and pool so a retry of the same attempt is deduplicated.
        .clientToken = clientToken + "-" + sha256Hex(pool.instanceType + "/" + pool.zone).substr(0, 8)};
    auto launched = ec2_.runInstances(request);
    if (!launched) {
      std::string code = capacityErrorCodeIn(launched.error().message());
      if (code.empty() && launched.error().isInsufficientCapacity()) code = "InsufficientCapacity";
      if (code.empty()) return fail(launched.error());
      markFailure(l.plan.capacityType, pool.instanceType, pool.zone, code);
      failures += (failures.empty() ? "" : "; ") + pool.instanceType + "/" + pool.zone + "/" +
                  std::string(marketName(l.plan.capacityType)) + ": " + code;
      continue;
    }
    std::vector<CloudInstance> out;
    for (const auto& instance : *launched) {
      CloudInstance ci = toCloudInstance(instance);
      ci.capacityType = l.plan.capacityType;
      if (ci.zone.empty()) ci.zone = pool.zone;
      ci.providerId = makeProviderId(ci.zone, ci.instanceId);
      fillFromCandidates(ci, *l.candidates);
      out.push_back(std::move(ci));
    }
    return out;
  }
  return fail(Status::insufficientCapacity("RunInstances launched nothing: " + failures));
}

Result<CloudInstance> Ec2CloudProvider::create(const CreateRequest& request) {
  if (request.nodeClaimName.empty()) return fail(Status::invalid("create: no NodeClaim name"));
  if (request.nodePoolName.empty()) return fail(Status::invalid("create: no NodePool name"));
  // EC2 would deduplicate by ClientToken, but moto (and a token that expired) would not:
  // the tag lookup is what makes a retried create safe everywhere.
  auto existing = findTagged(kNodeClaimTagKey, request.nodeClaimName);
  if (!existing) return fail(existing.error().withContext("create " + request.nodeClaimName));
  if (!existing->empty()) {
    CloudInstance ci = toCloudInstance(existing->front());
    fillFromCandidates(ci, request.instanceTypes);
    awsLogger()->info("found instance already launched nodeclaim={} instance={}",
                      request.nodeClaimName, ci.instanceId);
    return ci;
  }
  auto nodeClass = findNodeClass(request.nodeClassRef);
  if (!nodeClass) return fail(nodeClass.error());
  auto prepared = prepare(request.nodePoolName, **nodeClass, request.instanceTypes,
                          request.tags, false);
  if (!prepared) return fail(prepared.error().withContext("create " + request.nodeClaimName));
  setTag(prepared->tags, kNodeClaimTagKey, request.nodeClaimName);
  setTag(prepared->tags, "Name", request.nodeClaimName);
  auto launched = launch(*prepared, 1, clientTokenFor("nodeclaim", request.nodeClaimName));
  if (!launched) {
    awsLogger()->info("launch failed nodeclaim={} reason={}", request.nodeClaimName,
                      launched.error().toString());
    return fail(launched.error().withContext("create " + request.nodeClaimName));
  }
  CloudInstance ci = std::move(launched->front());
  ci.nodeClaimName = request.nodeClaimName;
  ci.nodePoolName = request.nodePoolName;
  for (const auto& t : prepared->tags) ci.tags[t.key] = t.value;
  awsLogger()->info("launched instance nodeclaim={} instance={} type={} zone={} capacity_type={}",
                    request.nodeClaimName, ci.instanceId, ci.instanceType, ci.zone,
                    marketName(ci.capacityType));
  return ci;
}

Result<std::vector<CloudInstance>> Ec2CloudProvider::createGroup(const CreateGroupRequest& request) {
  if (request.groupName.empty()) return fail(Status::invalid("createGroup: no group name"));
  if (request.nodeClaimNames.empty()) return fail(Status::invalid("createGroup: no NodeClaims"));
  const size_t n = request.nodeClaimNames.size();
  const std::string context = "create group " + request.groupName;

  std::vector<CloudInstance> instances;
  auto existing = findTagged(kGroupTagKey, request.groupName);
  if (!existing) return fail(existing.error().withContext(context));
  if (existing->size() >= n) {
    for (const auto& i : *existing) instances.push_back(toCloudInstance(i));
  } else {
    if (!existing->empty()) {
      // A gang is all or nothing: remnants of a broken launch are removed, and the caller
      // re-plans.
      std::vector<std::string> ids;
      for (const auto& i : *existing) ids.push_back(toCloudInstance(i).providerId);
      (void)deleteInstances(ids);
      return fail(Status::insufficientCapacity(context + ": found " +
                                               std::to_string(existing->size()) + " of " +
                                               std::to_string(n) + " instances; terminated them"));
    }
    auto nodeClass = findNodeClass(request.nodeClassRef);
    if (!nodeClass) return fail(nodeClass.error());
    auto prepared = prepare(request.nodePoolName, **nodeClass, request.instanceTypes,
                            request.tags, true);
    if (!prepared) return fail(prepared.error().withContext(context));
    setTag(prepared->tags, kGroupTagKey, request.groupName);
    setTag(prepared->tags, "Name", request.groupName);
    auto launched = launch(*prepared, static_cast<int>(n), clientTokenFor("group", request.groupName));
    if (!launched) return fail(launched.error().withContext(context));
    instances = std::move(*launched);
  }
  // Pair claims with instances: those already tagged keep their claim, the rest are dealt
  // out in instance-id order, then tagged (a retry finds the tags and keeps the pairing).
  std::sort(instances.begin(), instances.end(),
            [](const auto& a, const auto& b) { return a.instanceId < b.instanceId; });
  std::vector<CloudInstance> out(n);
  std::vector<bool> used(instances.size(), false);
  std::vector<bool> filled(n, false);
  for (size_t c = 0; c < n; ++c) {
    for (size_t i = 0; i < instances.size(); ++i) {
      if (!used[i] && instances[i].nodeClaimName == request.nodeClaimNames[c]) {
        out[c] = instances[i];
        used[i] = filled[c] = true;
        break;
      }
    }
  }
  size_t next = 0;
  for (size_t c = 0; c < n; ++c) {
    if (filled[c]) continue;
    while (used[next]) ++next;
    used[next] = true;
    out[c] = instances[next];
    const std::string& claim = request.nodeClaimNames[c];
    if (Status s = ec2_.createTags({out[c].instanceId}, {{std::string(kNodeClaimTagKey), claim},
                                                         {"Name", claim}});
        !s.isOk()) {
      return fail(s.withContext(context + ": tag " + out[c].instanceId));
    }
    out[c].nodeClaimName = claim;
    out[c].tags[std::string(kNodeClaimTagKey)] = claim;
  }
  for (auto& ci : out) {
    ci.nodePoolName = request.nodePoolName;
    fillFromCandidates(ci, request.instanceTypes);
  }
  awsLogger()->info("launched group group={} count={} type={} zone={}", request.groupName, n,
                    out.front().instanceType, out.front().zone);
  return out;
}

}  // namespace gantry::cloudprovider::aws
