// The provisioning loop and the planning half of a pass: read, solve, tell pods and pools
// why nothing was launched for them. The launching half is in provisioner_launch.cpp.
#include "provisioner/provisioning/provisioner.h"

#include <algorithm>
#include <set>

#include <spdlog/spdlog.h>

#include "binpack/solver.h"
#include "provisioner/provisioning/provisioner_internal.h"
#include "src/common/logging.h"

namespace gantry::provisioner {

namespace {

std::shared_ptr<spdlog::logger> logger() { return componentLogger("provisioning"); }

// The pool a solver reason says blocked the pod on a limit, or "".
std::string limitedPool(const std::string& reason) {
  static const std::string prefix = "NodePool ";
  if (reason.rfind(prefix, 0) != 0) return "";
  if (reason.find(" limit") == std::string::npos) return "";
  const size_t end = reason.find(' ', prefix.size());
  return reason.substr(prefix.size(), end - prefix.size());
}

}  // namespace

std::shared_ptr<spdlog::logger> provisioningLogger() { return logger(); }

kube::ObjectReference podRef(const api::Pod& pod) {
  return {.kind = "Pod", .ns = pod.ns, .name = pod.name, .uid = pod.uid, .apiVersion = "v1"};
}

Provisioner::Provisioner(ClusterSource source, Batcher& batcher, ClusterWriter& writer,
                         cloudprovider::CloudProvider& cloud, kube::EventRecorder& events,
                         Clock& clock, ProvisionerOptions options)
    : source_(std::move(source)),
      batcher_(batcher),
      writer_(writer),
      cloud_(cloud),
      events_(events),
      clock_(clock),
      options_(std::move(options)) {}

void Provisioner::run(std::stop_token stop) {
  logger()->info("starting provisioner");
  bool replanNow = false;
  while (!stop.stop_requested()) {
    std::optional<Batch> batch = batcher_.poll();
    const bool retryDue = retryAt_ && clock_.now() >= *retryAt_;
    if (!batch && !replanNow && !retryDue) {
      // Wake at the window's close rather than up to a poll interval after it: the time from
      // a pod's arrival to the launch is the window plus what a pass takes, nothing more.
      Clock::Duration nap = options_.pollInterval;
      if (auto closes = batcher_.deadline()) {
        nap = std::clamp<Clock::Duration>(*closes - clock_.now(), std::chrono::milliseconds(1), nap);
      }
      clock_.sleepFor(nap);
      continue;
    }
    // Only expectations opened it and no pod turned out to need capacity: nothing to do,
    // and no reason to copy the cache.
    if (batch && batch->keys.empty() && !replanNow && !retryDue) continue;
    if (retryDue) retryAt_.reset();
    ClusterObjects objects = source_();
    if (objects.pending.empty()) {
      replanNow = false;
      continue;
    }
    if (batch) {
      logger()->info("batch closed triggers={} pending={} window_ms={}", batch->keys.size(),
                     objects.pending.size(),
                     std::chrono::duration_cast<std::chrono::milliseconds>(batch->closed - batch->opened).count());
    }
    ProvisionResult result = provision(objects);
    replanNow = result.replanNow;
  }
  logger()->info("stopped provisioner");
}

std::vector<api::NodeClaim> Provisioner::ownInFlight(const std::vector<api::NodeClaim>& seen) {
  std::set<std::string> names;
  for (const auto& c : seen) names.insert(c.name);
  std::lock_guard lock(mu_);
  std::vector<api::NodeClaim> out;
  for (auto it = created_.begin(); it != created_.end();) {
    if (names.contains(it->first)) {
      it = created_.erase(it);  // the cache has it now: it speaks for itself
    } else {
      out.push_back(it->second);
      ++it;
    }
  }
  return out;
}

void Provisioner::claimDeleted(const std::string& name) {
  std::lock_guard lock(mu_);
  created_.erase(name);
}

void Provisioner::dropOwnDeleted(std::vector<api::NodeClaim>& claims) {
  std::lock_guard lock(mu_);
  std::set<std::string> stillShown;
  std::erase_if(claims, [&](const api::NodeClaim& c) {
    if (!deleted_.contains(c.name)) return false;
    stillShown.insert(c.name);
    return true;
  });
  deleted_ = std::move(stillShown);  // the rest are gone from the cache too
}

ProvisionResult Provisioner::provision(const ClusterObjects& input) {
  ProvisionResult result;
  result.podsConsidered = input.pending.size();
  if (input.pending.empty()) return result;
  if (input.nodePools.empty()) {
    for (const auto& pod : input.pending) {
      events_.record(podRef(pod), kube::EventType::kWarning, "FailedProvisioning",
                     "no NodePool exists to provision capacity from");
    }
    result.unschedulable = input.pending.size();
    return result;
  }
  auto catalog = cloud_.instanceTypes();
  if (!catalog) {
    logger()->error("cannot read instance types error={}", catalog.error().message());
    retryAt_ = clock_.now() + options_.retryAfterError;
    return result;
  }
  ClusterObjects objects = input;
  dropOwnDeleted(objects.nodeClaims);
  for (auto& claim : ownInFlight(objects.nodeClaims)) objects.nodeClaims.push_back(std::move(claim));

  ClusterSnapshot snap = buildSnapshot(objects, catalog->get(), options_.region);
  auto plan = binpack::solve(snap.snapshot, **catalog, options_.solver);
  if (!plan) {
    logger()->error("cannot plan pods={} error={}", objects.pending.size(), plan.error().message());
    retryAt_ = clock_.now() + options_.retryAfterError;
    return result;
  }
  logger()->info("planned pods={} new_nodes={} on_existing={} unschedulable={} in_flight_claims={}",
                 objects.pending.size(), plan->nodes.size(), plan->existing.size(),
                 plan->unschedulable.size(), snap.claimsInFlight);
  reportUnschedulable(*plan, objects, snap.snapshot.nodePools, result);

  nodeClasses_.clear();
  // From the cache when it has them: a GET per pass would cost every launch a round trip.
  for (const auto& nc : objects.nodeClasses) nodeClasses_[nc.name] = nc;
  std::vector<Launch> launches;
  for (const binpack::PlannedNode& node : plan->nodes) {
    const api::NodePool* pool = nullptr;
    for (const auto& p : snap.snapshot.nodePools) {
      if (p.name == node.nodePool) pool = &p;
    }
    if (!pool) continue;
    if (auto launch = prepare(node, *pool, **catalog, objects)) launches.push_back(std::move(*launch));
  }
  launchAll(launches, result);
  return result;
}

void Provisioner::reportUnschedulable(const binpack::Plan& plan, const ClusterObjects& objects,
                                      const std::vector<api::NodePool>& pools,
                                      ProvisionResult& result) {
  std::map<std::string, const api::Pod*> byKey;
  for (const auto& pod : objects.pending) byKey[pod.key()] = &pod;
  std::map<std::string, std::string> blocked;  // pool -> a reason
  for (const binpack::Unschedulable& u : plan.unschedulable) {
    ++result.unschedulable;
    if (auto it = byKey.find(u.pod); it != byKey.end()) {
      events_.record(podRef(*it->second), kube::EventType::kWarning, "FailedProvisioning",
                     "cannot provision a node for this pod: " + u.reason);
    }
    if (std::string pool = limitedPool(u.reason); !pool.empty()) blocked.emplace(pool, u.reason);
  }
  for (const auto& pool : pools) {
    auto it = blocked.find(pool.name);
    const bool isBlocked = it != blocked.end();
    auto last = limitBlocked_.find(pool.name);
    if (last != limitBlocked_.end() && last->second == isBlocked) continue;
    if (last == limitBlocked_.end() && !isBlocked) continue;
    api::Condition condition{
        .type = std::string(kLimitReachedCondition),
        .status = isBlocked ? api::ConditionStatus::kTrue : api::ConditionStatus::kFalse,
        .reason = isBlocked ? "LimitReached" : "WithinLimits",
        .message = isBlocked ? it->second : "",
        .lastTransitionTime = clock_.now()};
    if (Status s = writer_.setNodePoolCondition(pool.name, condition); !s.isOk()) {
      logger()->warn("cannot set nodepool condition nodepool={} error={}", pool.name, s.message());
      continue;
    }
    limitBlocked_[pool.name] = isBlocked;
    if (isBlocked) {
      events_.record({.kind = "NodePool", .name = pool.name, .apiVersion = "gantry.dev/v1"},
                     kube::EventType::kWarning, "LimitReached", it->second);
    }
  }
}

}  // namespace gantry::provisioner
