// The launching half of a pass: one NodeClaim per planned node, written before the cloud is
// called (so a crash between the two leaves a record that garbage collection and the
// idempotent client token resolve), then the launch, then the claim's status or its removal.
#include <algorithm>
#include <random>
#include <set>
#include <thread>

#include <spdlog/spdlog.h>

#include "provisioner/provisioning/provisioner_internal.h"
#include "src/api/well_known_labels.h"

namespace gantry::provisioner {

namespace {

std::string randomSuffix() {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  static constexpr char kChars[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::string s;
  for (int i = 0; i < 5; ++i) s += kChars[rng() % (sizeof(kChars) - 1)];
  return s;
}

void mergeInto(ProvisionResult& into, const ProvisionResult& one) {
  into.launched += one.launched;
  into.capacityErrors += one.capacityErrors;
  into.launchErrors += one.launchErrors;
  into.replanNow = into.replanNow || one.replanNow;
  into.launchedClaims.insert(into.launchedClaims.end(), one.launchedClaims.begin(), one.launchedClaims.end());
}

// Runs fn on every item, at most `parallel` at once (the caller's thread takes one of each
// round), and returns when all are done.
template <typename T, typename Fn>
void forEachConcurrently(const std::vector<T*>& items, size_t parallel, Fn&& fn) {
  parallel = std::max<size_t>(parallel, 1);
  for (size_t start = 0; start < items.size(); start += parallel) {
    const size_t end = std::min(items.size(), start + parallel);
    std::vector<std::thread> threads;
    for (size_t i = start + 1; i < end; ++i) threads.emplace_back([&, i] { fn(*items[i]); });
    fn(*items[start]);
    for (auto& t : threads) t.join();
  }
}

kube::ObjectReference claimRef(const api::NodeClaim& claim) {
  return {.kind = "NodeClaim", .name = claim.name, .uid = claim.uid, .apiVersion = "gantry.dev/v1"};
}

api::Requirement inReq(std::string_view key, std::vector<std::string> values) {
  return {.key = std::string(key), .op = api::SelectorOp::kIn, .values = std::move(values)};
}

}  // namespace

Result<api::Ec2NodeClass> Provisioner::nodeClass(const std::string& name) {
  if (auto it = nodeClasses_.find(name); it != nodeClasses_.end()) return it->second;
  auto nc = writer_.getNodeClass(name);
  if (nc) nodeClasses_[name] = *nc;
  return nc;
}

std::optional<Provisioner::Launch> Provisioner::prepare(const binpack::PlannedNode& node,
                                                        const api::NodePool& pool,
                                                        const api::InstanceTypes& catalog,
                                                        const ClusterObjects& objects) {
  Launch launch;
  launch.gang = node.gang;
  launch.nodePool = pool.name;
  for (const auto& key : node.pods) {
    for (const auto& pod : objects.pending) {
      if (pod.key() == key) launch.pods.push_back(&pod);
    }
  }
  auto nc = nodeClass(pool.nodeClassRef);
  if (!nc) {
    const std::string why = "EC2NodeClass \"" + pool.nodeClassRef + "\" of NodePool " + pool.name +
                            " is not usable: " + nc.error().message();
    provisioningLogger()->warn("cannot launch nodepool={} error={}", pool.name, nc.error().message());
    for (const api::Pod* pod : launch.pods) {
      events_.record(podRef(*pod), kube::EventType::kWarning, "FailedProvisioning", why);
    }
    return std::nullopt;
  }
  // A class its status controller found unusable (no subnet, security group or AMI for the
  // current spec) would only fail at launch; say so up front, as Karpenter does.
  const api::Condition* ready = api::findCondition(nc->status.conditions, api::nodeclass::kReady);
  if (ready && ready->status == api::ConditionStatus::kFalse &&
      (ready->observedGeneration == 0 || ready->observedGeneration == nc->generation)) {
    const std::string why = "EC2NodeClass \"" + pool.nodeClassRef + "\" of NodePool " + pool.name +
                            " is not ready: " + ready->message;
    provisioningLogger()->warn("skipping nodepool with a node class not ready nodepool={} nodeclass={}",
                               pool.name, pool.nodeClassRef);
    for (const api::Pod* pod : launch.pods) {
      events_.record(podRef(*pod), kube::EventType::kWarning, "FailedProvisioning", why);
    }
    return std::nullopt;
  }
  launch.nodeClass = std::move(*nc);

  // The chosen type, plus alternatives no dearer (the solver lists fitting types cheapest
  // first), with only the offerings the plan allows.
  const api::CapacityType capacityType =
      node.capacityType == "spot" ? api::CapacityType::kSpot : api::CapacityType::kOnDemand;
  std::vector<std::string> typeNames;
  for (const auto& name : node.instanceTypeOptions.empty()
                              ? std::vector<std::string>{node.instanceType}
                              : node.instanceTypeOptions) {
    auto it = std::find_if(catalog.begin(), catalog.end(), [&](const auto& t) { return t.name == name; });
    if (it == catalog.end()) continue;
    api::InstanceType candidate = *it;
    std::erase_if(candidate.offerings, [&](const api::Offering& o) {
      return !o.available || o.capacityType != capacityType ||
             std::find(node.zones.begin(), node.zones.end(), o.zone) == node.zones.end() ||
             o.pricePerHour > node.pricePerHour + 1e-9;
    });
    if (candidate.offerings.empty()) continue;
    typeNames.push_back(candidate.name);
    launch.candidates.push_back(std::move(candidate));
  }
  if (launch.candidates.empty()) return std::nullopt;

  api::NodeClaim& claim = launch.claim;
  claim.name = pool.name + "-" + randomSuffix();
  claim.labels = pool.labels;
  claim.labels[std::string(api::label::kNodePool)] = pool.name;
  claim.finalizers.push_back(std::string(api::nodeclaim::kTerminationFinalizer));
  claim.nodeClassRef = {.group = "gantry.dev", .kind = "EC2NodeClass", .name = pool.nodeClassRef};
  for (const auto& r : pool.requirements) {
    if (r.key != api::label::kInstanceType && r.key != api::label::kZone &&
        r.key != api::label::kCapacityType && r.key != api::label::kNodePool) {
      claim.requirements.push_back(r);
    }
  }
  claim.requirements.push_back(inReq(api::label::kNodePool, {pool.name}));
  claim.requirements.push_back(inReq(api::label::kInstanceType, typeNames));
  claim.requirements.push_back(inReq(api::label::kZone, node.zones));
  claim.requirements.push_back(inReq(api::label::kCapacityType, {node.capacityType}));
  claim.resourceRequests = node.requests;
  claim.taints = pool.taints;
  claim.startupTaints = pool.startupTaints;
  if (!pool.expireAfter.empty()) claim.expireAfter = pool.expireAfter;
  claim.terminationGracePeriod = pool.terminationGracePeriod;
  return launch;
}

void Provisioner::launchAll(std::vector<Launch>& launches, ProvisionResult& result) {
  // Intent first: every claim exists before the cloud hears of any of them. The creates
  // are independent, so they go out concurrently.
  std::mutex resultMu;
  auto createOne = [&](Launch& launch) {
    auto created = writer_.createNodeClaim(launch.claim);
    if (!created && created.error().code() == StatusCode::kAlreadyExists) {
      launch.claim.name = launch.nodePool + "-" + randomSuffix();
      created = writer_.createNodeClaim(launch.claim);
    }
    if (!created) {
      provisioningLogger()->error("cannot create nodeclaim nodepool={} error={}", launch.nodePool,
                                  created.error().message());
      std::lock_guard lock(mu_);
      retryAt_ = clock_.now() + options_.retryAfterError;
      return;
    }
    launch.claim = std::move(*created);
    launch.created = true;
    {
      std::lock_guard lock(mu_);
      created_[launch.claim.name] = launch.claim;
    }
    {
      std::lock_guard lock(resultMu);
      ++result.claimsCreated;
    }
    provisioningLogger()->info("created nodeclaim nodeclaim={} nodepool={} type={} pods={}",
                               launch.claim.name, launch.nodePool, launch.candidates.front().name,
                               launch.pods.size());
    for (const api::Pod* pod : launch.pods) {
      events_.record(podRef(*pod), kube::EventType::kNormal, "Nominated",
                     "Pod should schedule on: nodeclaim/" + launch.claim.name);
    }
  };
  std::vector<Launch*> all;
  for (Launch& launch : launches) all.push_back(&launch);
  forEachConcurrently(all, options_.maxParallelLaunches, createOne);

  // Singles concurrently (each launch is a few round trips; a batch of GPU trials should not
  // wait for one another), gangs (same gang name) all together or not at all.
  std::map<std::string, std::vector<Launch*>> gangs;
  std::vector<Launch*> singles;
  for (Launch& launch : launches) {
    if (!launch.created) continue;
    if (launch.gang.empty()) {
      singles.push_back(&launch);
    } else {
      gangs[launch.gang].push_back(&launch);
    }
  }
  auto launchOne = [&](Launch& launch) {
    provisioningLogger()->info("launching instance nodeclaim={} candidates={}", launch.claim.name,
                               launch.candidates.size());
    auto instance = cloud_.create({.nodeClaimName = launch.claim.name,
                                   .nodePoolName = launch.nodePool,
                                   .nodeClass = launch.nodeClass,
                                   .instanceTypes = launch.candidates,
                                   .tags = options_.tags});
    ProvisionResult one;
    finishLaunch(launch, std::move(instance), one);
    std::lock_guard lock(resultMu);
    mergeInto(result, one);
  };
  forEachConcurrently(singles, options_.maxParallelLaunches, launchOne);
  for (auto& [gang, members] : gangs) {
    cloudprovider::CreateGroupRequest request{.groupName = members.front()->claim.name,
                                              .nodePoolName = members.front()->nodePool,
                                              .nodeClass = members.front()->nodeClass,
                                              .instanceTypes = members.front()->candidates,
                                              .tags = options_.tags};
    for (Launch* m : members) request.nodeClaimNames.push_back(m->claim.name);
    provisioningLogger()->info("launching gang gang={} instances={}", gang, members.size());
    auto group = cloud_.createGroup(request);
    for (size_t i = 0; i < members.size(); ++i) {
      if (!group) {
        finishLaunch(*members[i], fail(group.error()), result);
      } else if (i < group->size()) {
        finishLaunch(*members[i], (*group)[i], result);
      } else {
        finishLaunch(*members[i], fail(Status::internal("the cloud returned too few instances")), result);
      }
    }
  }
}

void Provisioner::finishLaunch(Launch& launch, Result<cloudprovider::CloudInstance> instance,
                               ProvisionResult& result) {
  api::NodeClaim& claim = launch.claim;
  auto forget = [&] {
    std::lock_guard lock(mu_);
    created_.erase(claim.name);
    deleted_.insert(claim.name);
  };
  if (!instance) {
    const Status& error = instance.error();
    const bool capacity = error.code() == StatusCode::kInsufficientCapacity;
    provisioningLogger()->warn("cannot launch instance nodeclaim={} capacity_error={} error={}",
                               claim.name, capacity, error.message());
    if (capacity) {
      ++result.capacityErrors;
      result.replanNow = true;  // the offering is marked unavailable: the next plan avoids it
    } else {
      ++result.launchErrors;
      std::lock_guard lock(mu_);
      retryAt_ = clock_.now() + options_.retryAfterError;
    }
    claim.setCondition(api::nodeclaim::kLaunched, api::ConditionStatus::kFalse,
                       capacity ? "InsufficientCapacity" : "LaunchFailed", error.message(), clock_.now());
    if (auto s = writer_.updateNodeClaim(claim); !s) {
      provisioningLogger()->warn("cannot update nodeclaim nodeclaim={} error={}", claim.name, s.error().message());
    }
    events_.record(claimRef(claim), kube::EventType::kWarning,
                   capacity ? "InsufficientCapacity" : "LaunchFailed", error.message());
    if (Status s = writer_.deleteNodeClaim(claim.name); !s.isOk()) {
      provisioningLogger()->warn("cannot delete nodeclaim nodeclaim={} error={}", claim.name, s.message());
    }
    forget();
    return;
  }
  const cloudprovider::CloudInstance& inst = *instance;
  claim.labels[std::string(api::label::kInstanceType)] = inst.instanceType;
  claim.labels[std::string(api::label::kZone)] = inst.zone;
  claim.labels[std::string(api::label::kCapacityType)] = std::string(api::capacityTypeName(inst.capacityType));
  claim.providerId = inst.providerId;
  claim.imageId = inst.imageId;
  claim.capacity = inst.capacity;
  claim.allocatable = inst.capacity;
  for (const auto& t : launch.candidates) {
    if (t.name != inst.instanceType) continue;
    if (claim.capacity.empty()) claim.capacity = t.capacity;
    claim.allocatable = t.allocatable();
    for (const auto& [k, v] : t.labels) claim.labels.emplace(k, v);
  }
  claim.setCondition(api::nodeclaim::kLaunched, api::ConditionStatus::kTrue, "Launched",
                     "launched " + inst.instanceId + " (" + inst.instanceType + " in " + inst.zone + ")",
                     clock_.now());
  auto updated = writer_.updateNodeClaim(claim);
  if (!updated) {
    // The instance runs and the claim exists; the lifecycle controller adopts it by tag.
    provisioningLogger()->error("cannot record launch nodeclaim={} instance={} error={}", claim.name,
                                inst.instanceId, updated.error().message());
  } else {
    claim = *updated;
    std::lock_guard lock(mu_);
    if (created_.contains(claim.name)) created_[claim.name] = claim;
  }
  ++result.launched;
  result.launchedClaims.push_back(claim.name);
  provisioningLogger()->info("launched nodeclaim nodeclaim={} instance={} type={} zone={}", claim.name,
                             inst.instanceId, inst.instanceType, inst.zone);
  events_.record(claimRef(claim), kube::EventType::kNormal, "Launched",
                 "launched " + inst.instanceId + " (" + inst.instanceType + ", " + inst.zone + ")");
}

}  // namespace gantry::provisioner
