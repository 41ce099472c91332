// The launch step. Candidates are rebuilt from the claim's own requirements and the current
// catalog on every attempt, so offerings that failed meanwhile (marked unavailable) are not
// tried again, and a restarted controller needs nothing but the claim.
#include "provisioner/nodeclaim/launch.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <limits>
#include <map>
#include <set>

#include "src/api/well_known_labels.h"
#include "src/common/crash_point.h"
#include "src/common/logging.h"

namespace gantry::provisioner::nodeclaim {

namespace {

namespace nc = api::nodeclaim;

spdlog::logger& log() {
  static auto logger = componentLogger("nodeclaim");
  return *logger;
}

const api::Requirement* requirementOn(const api::NodeClaim& claim, std::string_view key) {
  for (const auto& r : claim.requirements) {
    if (r.key == key && r.op == api::SelectorOp::kIn) return &r;
  }
  return nullptr;
}

double cheapest(const api::InstanceType& t) {
  double best = std::numeric_limits<double>::max();
  for (const auto& o : t.offerings) best = std::min(best, o.pricePerHour);
  return best;
}

std::string annotation(const api::NodeClaim& claim, std::string_view key) {
  auto it = claim.annotations.find(std::string(key));
  return it == claim.annotations.end() ? "" : it->second;
}

// What decides a claim's instance: its pool and its requirements (in a canonical order).
std::string launchShape(const api::NodeClaim& claim) {
  std::vector<std::string> parts;
  for (const auto& r : claim.requirements) {
    std::vector<std::string> values = r.values;
    std::sort(values.begin(), values.end());
    std::string part = r.key + " " + std::to_string(static_cast<int>(r.op));
    for (const auto& v : values) part += " " + v;
    parts.push_back(std::move(part));
  }
  std::sort(parts.begin(), parts.end());
  std::string out = claim.nodePool();
  for (const auto& p : parts) out += "\n" + p;
  return out;
}

}  // namespace

std::vector<api::InstanceType> launchCandidates(const api::NodeClaim& claim,
                                                const api::InstanceTypes& catalog) {
  const api::Requirement* types = requirementOn(claim, api::label::kInstanceType);
  const api::Requirement* zones = requirementOn(claim, api::label::kZone);
  const api::Requirement* capacity = requirementOn(claim, api::label::kCapacityType);
  std::set<std::string> zoneSet, capacitySet;
  if (zones) zoneSet.insert(zones->values.begin(), zones->values.end());
  if (capacity) capacitySet.insert(capacity->values.begin(), capacity->values.end());
  if (capacitySet.empty()) capacitySet.insert("on-demand");  // Karpenter's default

  std::vector<api::InstanceType> out;
  for (const api::InstanceType& t : catalog) {
    if (types && std::find(types->values.begin(), types->values.end(), t.name) ==
                     types->values.end()) {
      continue;
    }
    api::InstanceType candidate = t;
    std::erase_if(candidate.offerings, [&](const api::Offering& o) {
      return !o.available || (!zoneSet.empty() && !zoneSet.contains(o.zone)) ||
             !capacitySet.contains(std::string(api::capacityTypeName(o.capacityType)));
    });
    if (!candidate.offerings.empty()) out.push_back(std::move(candidate));
  }
  std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return cheapest(a) < cheapest(b);
  });
  return out;
}

LaunchFailure classifyLaunchError(const Status& error) {
  switch (error.code()) {
    case StatusCode::kInsufficientCapacity: return LaunchFailure::kCapacity;
    case StatusCode::kThrottled:
    case StatusCode::kUnavailable:
    case StatusCode::kConflict: return LaunchFailure::kTransient;
    default: return LaunchFailure::kPersistent;
  }
}

Result<StepResult> Launch::reconcile(api::NodeClaim& claim) {
  if (claim.isTrue(nc::kLaunched)) {
    recent_.forget(claim.uid);
    return StepResult{};
  }
  if (auto known = recent_.find(claim.uid, ctx_.clock.now())) {
    // Launched by this step a moment ago; the cache has not caught up with the status write.
    record(claim, known->instance, known->types);
    return StepResult{.halt = true};
  }
  auto catalog = ctx_.cloud.instanceTypes();
  if (!catalog) return fail(catalog.error().withContext("reading instance types"));
  auto candidates = launchCandidates(claim, **catalog);
  if (candidates.empty()) {
    // Everything it allows failed since it was planned: a capacity error in all but name.
    return failed(claim,
                  Status::insufficientCapacity("no offering the NodeClaim allows is available"),
                  LaunchFailure::kCapacity);
  }
  // The provider looks the node class up itself; a missing one is its kNotFound, a
  // persistent failure like any other refusal.
  Requeue wait;
  auto instance = launch(claim, candidates, wait);
  if (wait) return StepResult{.requeue = wait, .halt = true};
  if (!instance) {
    const LaunchFailure kind = classifyLaunchError(instance.error());
    if (kind == LaunchFailure::kTransient) return fail(instance.error());
    return failed(claim, instance.error(), kind);
  }
  // The instance runs; nothing about it is written yet.
  crashPoint("launch.after-create");
  record(claim, *instance, candidates);
  std::erase_if(candidates, [&](const api::InstanceType& t) { return t.name != instance->instanceType; });
  recent_.remember(claim.uid, {*instance, std::move(candidates)}, ctx_.clock.now());
  if (ctx_.shared.launchBackoff) {
    ctx_.shared.launchBackoff->recordSuccess(claim.nodePool(), claim.nodeClassRef.name);
  }
  log().info("launched nodeclaim nodeclaim={} instance={} type={} zone={}", claim.name,
             instance->instanceId, instance->instanceType, instance->zone);
  ctx_.event(claim, kube::EventType::kNormal, "Launched",
             "launched " + instance->instanceId + " (" + instance->instanceType + ", " +
                 instance->zone + ")");
  // Registration needs the Node, which arrives as an informer event.
  return StepResult{.halt = true};
}

Result<cloudprovider::CloudInstance> Launch::launch(const api::NodeClaim& claim,
                                                    std::vector<api::InstanceType> candidates,
                                                    Requeue& wait) {
  const std::string gang = annotation(claim, nc::kGangAnnotation);
  if (gang.empty()) {
    log().info("launching instance nodeclaim={} candidates={}", claim.name, candidates.size());
    crashPoint("launch.before-create");
    return ctx_.cloud.create({.nodeClaimName = claim.name,
                              .nodePoolName = claim.nodePool(),
                              .nodeClassRef = claim.nodeClassRef,
                              .instanceTypes = std::move(candidates),
                              .tags = ctx_.options.tags});
  }
  // A gang launches as one group or not at all. Every member asks for the same group (the
  // call is idempotent per group name) and takes its own instance from the answer.
  const std::string sizeText = annotation(claim, nc::kGangSizeAnnotation);
  size_t size = 0;
  std::from_chars(sizeText.data(), sizeText.data() + sizeText.size(), size);
  std::vector<std::string> members;
  for (const auto& c : ctx_.reader.nodeClaims()) {
    if (!c->deleting() && annotation(*c, nc::kGangAnnotation) == gang) members.push_back(c->name);
  }
  std::sort(members.begin(), members.end());
  if (size == 0 || members.size() < size) {
    const auto age = claim.creationTimestamp ? ctx_.clock.now() - *claim.creationTimestamp
                                             : Clock::Duration::zero();
    if (size > 0 && age < ctx_.options.gangAssemblyTimeout) {
      wait = std::chrono::seconds(1);  // the provisioner is still creating the others
      return fail(Status::unavailable("gang assembling"));
    }
    // A member was never created (or was deleted): the gang cannot start as planned. Like a
    // capacity error, its claims go and its pods are planned again; the node class is fine.
    return fail(Status::insufficientCapacity("gang " + gang + " has " +
                                             std::to_string(members.size()) + " of " + sizeText +
                                             " NodeClaims"));
  }
  members.resize(size);
  if (std::find(members.begin(), members.end(), claim.name) == members.end()) {
    return fail(Status::invalid("gang " + gang + " has more than " + sizeText + " NodeClaims"));
  }
  // One cloud group is one instance type, but a gang may hold several shapes: a TFJob's CPU
  // chief and parameter servers beside its GPU workers, planned onto different NodePools.
  // Each shape launches as its own group; with one shape the group is the gang itself.
  std::map<std::string, std::vector<std::string>> byShape;
  for (const auto& name : members) {
    if (auto member = ctx_.reader.nodeClaim(name)) byShape[launchShape(*member)].push_back(name);
  }
  std::string groupName = gang;
  if (byShape.size() > 1) {
    const std::string shape = launchShape(claim);
    size_t rank = 0;
    for (const auto& [key, names] : byShape) {
      if (key == shape) break;
      ++rank;
    }
    members = byShape[shape];
    groupName = gang + "-" + std::to_string(rank);
  }
  log().info("launching gang gang={} group={} nodeclaim={} instances={}", gang, groupName,
             claim.name, members.size());
  auto group = ctx_.cloud.createGroup({.groupName = groupName,
                                       .nodeClaimNames = members,
                                       .nodePoolName = claim.nodePool(),
                                       .nodeClassRef = claim.nodeClassRef,
                                       .instanceTypes = std::move(candidates),
                                       .tags = ctx_.options.tags});
  if (!group) return fail(group.error());
  for (size_t i = 0; i < members.size() && i < group->size(); ++i) {
    if (members[i] == claim.name) return (*group)[i];
  }
  return fail(Status::internal("the cloud returned too few instances for gang " + gang));
}

void Launch::record(api::NodeClaim& claim, const cloudprovider::CloudInstance& inst,
                    const std::vector<api::InstanceType>& candidates) const {
  claim.labels[std::string(api::label::kInstanceType)] = inst.instanceType;
  claim.labels[std::string(api::label::kZone)] = inst.zone;
  claim.labels[std::string(api::label::kCapacityType)] =
      std::string(api::capacityTypeName(inst.capacityType));
  claim.providerId = inst.providerId;
  claim.imageId = inst.imageId;
  claim.capacity = inst.capacity;
  claim.allocatable = inst.capacity;
  for (const auto& t : candidates) {
    if (t.name != inst.instanceType) continue;
    if (claim.capacity.empty()) claim.capacity = t.capacity;
    claim.allocatable = t.allocatable();
    for (const auto& [k, v] : t.labels) claim.labels.emplace(k, v);
  }
  claim.setCondition(nc::kLaunched, api::ConditionStatus::kTrue, "Launched",
                     "launched " + inst.instanceId + " (" + inst.instanceType + " in " +
                         inst.zone + ")",
                     ctx_.clock.now());
}

Result<StepResult> Launch::failed(api::NodeClaim& claim, const Status& error, LaunchFailure kind) {
  const bool capacity = kind == LaunchFailure::kCapacity;
  const std::string reason = capacity ? "InsufficientCapacity" : "LaunchFailed";
  log().warn("cannot launch instance nodeclaim={} capacity_error={} error={}", claim.name,
             capacity, error.message());
  std::string message = error.message();
  if (!capacity && ctx_.shared.launchBackoff) {
    const auto hold = ctx_.shared.launchBackoff->recordFailure(
        claim.nodePool(), claim.nodeClassRef.name, error.message(), ctx_.clock.now());
    message += " (NodePool " + claim.nodePool() + " with EC2NodeClass " +
               claim.nodeClassRef.name + " backs off " +
               formatSeconds(hold.until - ctx_.clock.now()) + ")";
  }
  // The condition first, so whoever watches sees why before the claim goes.
  claim.setCondition(nc::kLaunched, api::ConditionStatus::kFalse, reason, message,
                     ctx_.clock.now());
  if (Status s = ctx_.writeStatus(claim); !s.isOk() && !s.isNotFound()) {
    log().debug("cannot record launch failure nodeclaim={} error={}", claim.name, s.message());
  }
  crashPoint("launch.failed-before-claim-delete");
  if (Status s = ctx_.deleteClaim(claim, reason, message); !s.isOk()) return fail(s);
  // Counted once the claim is gone, so a failed delete retried is not a second failure.
  if (ctx_.metrics) {
    ctx_.metrics->launchFailed(claim.nodePool(), std::string(statusCodeName(error.code())));
  }
  if (ctx_.shared.onLaunchFailed) ctx_.shared.onLaunchFailed(claim.name, capacity);
  return StepResult{.halt = true, .deleted = true};
}

}  // namespace gantry::provisioner::nodeclaim
