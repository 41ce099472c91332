// The second half of a pass: one NodeClaim per planned node, created concurrently. A claim
// carries everything its launch needs (the instance types no dearer than the plan's choice,
// the zones and capacity type, the NodePool's template), so the lifecycle can launch it with
// nothing but the claim, after a crash as much as right away. Gang members get the gang's
// launch group name and size, so they are launched together.
#include <algorithm>
#include <random>
#include <thread>

#include <spdlog/spdlog.h>

#include "provisioner/provisioning/provisioner_internal.h"
#include "src/api/nodepool_hash.h"
#include "src/api/well_known_labels.h"
#include "src/common/crash_point.h"

namespace gantry::provisioner {

namespace {

std::string randomSuffix() {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  static constexpr char kChars[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::string s;
  for (int i = 0; i < 5; ++i) s += kChars[rng() % (sizeof(kChars) - 1)];
  return s;
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

api::Requirement inReq(std::string_view key, std::vector<std::string> values) {
  return {.key = std::string(key), .op = api::SelectorOp::kIn, .values = std::move(values)};
}

}  // namespace

std::optional<Provisioner::PlannedClaim> Provisioner::prepare(const binpack::PlannedNode& node,
                                                              const api::NodePool& pool,
                                                              const api::InstanceTypes& catalog,
                                                              const ClusterObjects& objects) {
  PlannedClaim planned;
  planned.nodePool = pool.name;
  planned.instanceType = node.instanceType;
  planned.capacityType = node.capacityType;
  if (node.zones.size() == 1) planned.zone = node.zones.front();
  for (const auto& key : node.pods) {
    for (const auto& pod : objects.pending) {
      if (pod.key() == key) planned.pods.push_back(&pod);
    }
  }
  // The chosen type, plus alternatives no dearer in the plan's zones and capacity type (the
  // solver lists fitting types cheapest first): the launch may fall back on any of them.
  const api::CapacityType capacityType =
      node.capacityType == "spot" ? api::CapacityType::kSpot : api::CapacityType::kOnDemand;
  std::vector<std::string> typeNames;
  for (const auto& name : node.instanceTypeOptions.empty()
                              ? std::vector<std::string>{node.instanceType}
                              : node.instanceTypeOptions) {
    auto it = std::find_if(catalog.begin(), catalog.end(),
                           [&](const auto& t) { return t.name == name; });
    if (it == catalog.end()) continue;
    const bool affordable = std::any_of(it->offerings.begin(), it->offerings.end(),
                                        [&](const api::Offering& o) {
      return o.available && o.capacityType == capacityType &&
             std::find(node.zones.begin(), node.zones.end(), o.zone) != node.zones.end() &&
             o.pricePerHour <= node.pricePerHour + 1e-9;
    });
    if (affordable) typeNames.push_back(it->name);
  }
  if (typeNames.empty()) return std::nullopt;

  api::NodeClaim& claim = planned.claim;
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
  // The template this claim is made from, for static drift (nodeclaim/drift_marks.h).
  claim.annotations[std::string(api::kNodePoolHashAnnotation)] = api::nodePoolHash(pool);
  claim.annotations[std::string(api::kNodePoolHashVersionAnnotation)] =
      std::string(api::kNodePoolHashVersion);
  if (!node.gang.empty()) {
    claim.annotations[std::string(api::nodeclaim::kGangAnnotation)] = node.gang;
  }
  return planned;
}

void Provisioner::createAll(std::vector<PlannedClaim>& planned, ProvisionResult& result) {
  // A gang's members share one launch group, named once per pass so that a gang planned again
  // after a failure never meets the remnants of its earlier group.
  std::map<std::string, std::pair<std::string, size_t>> gangs;  // solver gang -> group, size
  for (PlannedClaim& p : planned) {
    auto it = p.claim.annotations.find(std::string(api::nodeclaim::kGangAnnotation));
    if (it == p.claim.annotations.end()) continue;
    auto& [group, size] = gangs[it->second];
    if (group.empty()) group = p.nodePool + "-gang-" + randomSuffix();
    ++size;
  }
  for (PlannedClaim& p : planned) {
    auto it = p.claim.annotations.find(std::string(api::nodeclaim::kGangAnnotation));
    if (it == p.claim.annotations.end()) continue;
    const auto& [group, size] = gangs[it->second];
    it->second = group;
    p.claim.annotations[std::string(api::nodeclaim::kGangSizeAnnotation)] = std::to_string(size);
  }

  std::mutex resultMu;
  auto createOne = [&](PlannedClaim& p) {
    auto created = writer_.createNodeClaim(p.claim);
    if (!created && created.error().code() == StatusCode::kAlreadyExists) {
      p.claim.name = p.nodePool + "-" + randomSuffix();
      created = writer_.createNodeClaim(p.claim);
    }
    if (!created) {
      provisioningLogger()->error("cannot create nodeclaim nodepool={} error={}", p.nodePool,
                                  created.error().message());
      std::lock_guard lock(mu_);
      retryAt_ = clock_.now() + options_.retryAfterError;
      return;
    }
    crashPoint("provisioner.after-claim-create");  // neither nominated nor remembered yet
    p.claim = std::move(*created);
    p.created = true;
    {
      std::lock_guard lock(mu_);
      created_[p.claim.name] = p.claim;
    }
    {
      std::lock_guard lock(resultMu);
      ++result.claimsCreated;
      result.createdClaims.push_back(p.claim.name);
    }
    if (shared_.metrics) {
      shared_.metrics->nodeClaimCreated(p.nodePool, p.instanceType, p.capacityType, p.zone);
    }
    provisioningLogger()->info("created nodeclaim nodeclaim={} nodepool={} type={} pods={}",
                               p.claim.name, p.nodePool, p.instanceType, p.pods.size());
  };
  std::vector<PlannedClaim*> all;
  for (PlannedClaim& p : planned) all.push_back(&p);
  forEachConcurrently(all, options_.maxParallelCreates, createOne);

  const auto now = clock_.now();
  for (const PlannedClaim& p : planned) {
    if (!p.created) continue;
    std::vector<std::string> podKeys;
    for (const api::Pod* pod : p.pods) {
      podKeys.push_back(pod->key());
      tellPod(*pod, kube::EventType::kNormal, "Nominated",
              "Pod should schedule on: nodeclaim/" + p.claim.name);
    }
    if (shared_.nominations) shared_.nominations->nominate(p.claim.name, podKeys, now);
  }
}

}  // namespace gantry::provisioner
