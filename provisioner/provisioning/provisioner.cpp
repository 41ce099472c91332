// The provisioning loop and the planning half of a pass: read, solve, tell pods and pools
// why nothing was launched for them. The launching half is in provisioner_launch.cpp.
#include "provisioner/provisioning/provisioner.h"

#include <algorithm>
#include <set>

#include <spdlog/spdlog.h>

#include "binpack/solver.h"
#include "provisioner/provisioning/claim_builder.h"
#include "provisioner/provisioning/provisioner_internal.h"
#include "src/common/logging.h"

namespace gantry::provisioner {

namespace {

// Some offering is held back after a capacity error: pods the solver could not place now may
// fit once the hold expires.
bool anyOfferingUnavailable(const api::InstanceTypes& catalog) {
  for (const auto& type : catalog) {
    for (const auto& o : type.offerings) {
      if (!o.available) return true;
    }
  }
  return false;
}

std::shared_ptr<spdlog::logger> logger() { return componentLogger("provisioning"); }

// The node-class condition that says its pools can launch (every provider's node class has
// one, as in Karpenter).
constexpr std::string_view kNodeClassReady = "Ready";

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
                         Clock& clock, ProvisionerOptions options, ProvisionerShared shared)
    : source_(std::move(source)),
      batcher_(batcher),
      writer_(writer),
      cloud_(cloud),
      events_(events),
      clock_(clock),
      options_(std::move(options)),
      shared_(shared) {}

void Provisioner::run(std::stop_token stop) {
  logger()->info("starting provisioner");
  while (!stop.stop_requested()) {
    std::optional<Batch> batch = batcher_.poll();
    const bool retryDue = takeDueRetry(clock_.now());
    const bool replanNow = replanNow_.exchange(false);
    if (!batch && !replanNow && !retryDue) {
      // Wake at the window's close rather than up to a poll interval after it: the time from
      // a pod's arrival to the NodeClaim is the window plus what a pass takes, nothing more.
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
    ClusterObjects objects = source_();
    if (objects.pending.empty()) continue;
    if (batch) {
      logger()->info("batch closed triggers={} pending={} window_ms={}", batch->keys.size(),
                     objects.pending.size(),
                     std::chrono::duration_cast<std::chrono::milliseconds>(batch->closed - batch->opened).count());
    }
    provision(std::move(objects), batch ? std::optional(batch->closed) : std::nullopt);
  }
  logger()->info("stopped provisioner");
}

std::optional<Clock::TimePoint> Provisioner::retryAt() const {
  std::lock_guard lock(mu_);
  return retryAt_;
}

bool Provisioner::takeDueRetry(Clock::TimePoint now) {
  std::lock_guard lock(mu_);
  if (!retryAt_ || now < *retryAt_) return false;
  retryAt_.reset();
  return true;
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

void Provisioner::launchFailed(const std::string& name, bool capacityError) {
  {
    std::lock_guard lock(mu_);
    created_.erase(name);
    failed_.insert(name);
  }
  // The offering that failed is marked unavailable by now: the next plan avoids it.
  if (capacityError) replanNow_ = true;
}

void Provisioner::dropFailedLaunches(std::vector<api::NodeClaim>& claims) {
  std::lock_guard lock(mu_);
  std::set<std::string> stillShown;
  std::erase_if(claims, [&](const api::NodeClaim& c) {
    if (!failed_.contains(c.name)) return false;
    stillShown.insert(c.name);
    return true;
  });
  failed_ = std::move(stillShown);  // the rest are gone from the cache too
}

ProvisionResult Provisioner::provision(ClusterObjects objects,
                                       std::optional<Clock::TimePoint> batchClosed) {
  ProvisionResult result;
  result.podsConsidered = objects.pending.size();
  if (objects.pending.empty()) return result;
  const Clock::TimePoint started = batchClosed.value_or(clock_.now());
  if (shared_.metrics) shared_.metrics->batchSize(objects.pending.size());
  if (objects.nodePools.empty()) {
    for (const auto& pod : objects.pending) {
      tellPod(pod, kube::EventType::kWarning, "FailedProvisioning",
              "no NodePool exists to provision capacity from");
    }
    result.unschedulable = objects.pending.size();
    return result;
  }
  auto retryLater = [&] {
    std::lock_guard lock(mu_);
    retryAt_ = clock_.now() + options_.retryAfterError;
  };
  auto catalog = cloud_.instanceTypes();
  if (!catalog) {
    logger()->error("cannot read instance types error={}", catalog.error().message());
    retryLater();
    return result;
  }
  dropFailedLaunches(objects.nodeClaims);
  for (auto& claim : ownInFlight(objects.nodeClaims)) objects.nodeClaims.push_back(std::move(claim));

  ClusterSnapshot snap = buildSnapshot(objects, catalog->get(), options_.region);
  // Pools that cannot launch now are left out before solving, so their pods may still be
  // served by another pool; existing nodes of those pools keep their room.
  const std::map<std::string, std::string> skipped = poolsToSkip(objects);
  std::erase_if(snap.snapshot.nodePools,
                [&](const api::NodePool& p) { return skipped.contains(p.name); });
  for (const auto& [pool, why] : skipped) result.skippedPools.push_back(pool);
  if (snap.snapshot.nodePools.empty()) {
    std::string why;
    for (const auto& [pool, reason] : skipped) why += (why.empty() ? "" : "; ") + reason;
    for (const auto& pod : objects.pending) {
      tellPod(pod, kube::EventType::kWarning, "FailedProvisioning",
              "cannot provision a node for this pod: " + why);
    }
    result.unschedulable = objects.pending.size();
    return result;
  }

  // Each node's volumes and addresses, as the cloud prices the pool's node class: with them
  // the solver stops buying many tiny nodes whose fixed costs outweigh a larger one's price.
  for (const api::NodePool& pool : snap.snapshot.nodePools) {
    snap.snapshot.nodeFixedCostPerHour[pool.name] =
        cloud_.nodeFixedCostPerHour(nodeClassRefOf(pool));
  }
  const Clock::TimePoint solving = clock_.now();
  auto plan = options_.planner ? options_.planner(snap.snapshot, **catalog, options_.solver)
                               : binpack::solve(snap.snapshot, *catalog, options_.solver, indexes_);
  if (shared_.metrics) shared_.metrics->solverDuration(clock_.now() - solving);
  if (!plan) {
    logger()->error("cannot plan pods={} error={}", objects.pending.size(), plan.error().message());
    retryLater();
    return result;
  }
  logger()->info("planned pods={} new_nodes={} on_existing={} unschedulable={} in_flight_claims={} "
                 "skipped_pools={}",
                 objects.pending.size(), plan->nodes.size(), plan->existing.size(),
                 plan->unschedulable.size(), snap.claimsInFlight, skipped.size());
  nominate(*plan);
  reportUnschedulable(*plan, objects, snap.snapshot.nodePools, skipped, result);
  if (!plan->unschedulable.empty() && anyOfferingUnavailable(**catalog)) {
    std::lock_guard lock(mu_);
    const auto at = clock_.now() + options_.retryWhileUnavailable;
    if (!retryAt_ || at < *retryAt_) retryAt_ = at;
  }

  std::vector<PlannedClaim> planned;
  for (const binpack::PlannedNode& node : plan->nodes) {
    const api::NodePool* pool = nullptr;
    for (const auto& p : snap.snapshot.nodePools) {
      if (p.name == node.nodePool) pool = &p;
    }
    if (!pool) continue;
    if (auto claim = prepare(node, *pool, **catalog, objects)) planned.push_back(std::move(*claim));
  }
  createAll(planned, result);
  if (shared_.metrics && result.claimsCreated > 0) {
    shared_.metrics->provisioningDuration(clock_.now() - started);
  }
  return result;
}

std::map<std::string, std::string> Provisioner::poolsToSkip(const ClusterObjects& objects) {
  std::map<std::string, std::string> skipped;
  const auto now = clock_.now();
  for (const api::NodePool& pool : objects.nodePools) {
    if (shared_.launchBackoff) {
      if (auto hold = shared_.launchBackoff->held(pool.name, pool.nodeClassRef, now)) {
        // Stable while the cause is: the pod's Event is told once (tellPod dedups on the
        // message), not again for every failure count or countdown. The claims' LaunchFailed
        // Events carry the count and the wait.
        skipped[pool.name] = "NodePool " + pool.name +
                             " is backing off after failed launches with EC2NodeClass \"" +
                             pool.nodeClassRef + "\": " + hold->error;
        std::lock_guard lock(mu_);
        if (!retryAt_ || hold->until < *retryAt_) retryAt_ = hold->until;
        continue;
      }
    }
    const NodeClassState* nodeClass = nullptr;
    for (const auto& nc : objects.nodeClasses) {
      if (nc.name == pool.nodeClassRef) nodeClass = &nc;
    }
    if (nodeClass == nullptr) continue;  // the cache may lag a new class; launch will tell
    // A class its status controller found unusable for its current spec would only fail at
    // launch; say so up front, as Karpenter does. Unknown with ResolutionFailed: the cloud
    // could not even be asked (SSM or EC2 unreachable, throttled) several times in a row.
    const api::Condition* ready =
        api::findCondition(nodeClass->conditions, kNodeClassReady);
    if (ready == nullptr || ready->status == api::ConditionStatus::kTrue) continue;
    const bool current = ready->observedGeneration == 0 ||
                         ready->observedGeneration == nodeClass->generation;
    const bool unusable = ready->status == api::ConditionStatus::kFalse ||
                          ready->reason == "ResolutionFailed";
    if (current && unusable) {
      skipped[pool.name] = "EC2NodeClass \"" + pool.nodeClassRef + "\" of NodePool " +
                           pool.name + " is not ready: " + ready->message;
    }
  }
  for (const auto& [pool, why] : skipped) {
    logger()->debug("skipping nodepool nodepool={} why={}", pool, why);
  }
  return skipped;
}

void Provisioner::nominate(const binpack::Plan& plan) {
  if (!shared_.nominations) return;
  std::map<std::string, std::vector<std::string>> byTarget;
  for (const auto& placement : plan.existing) byTarget[placement.node].push_back(placement.pod);
  const auto now = clock_.now();
  for (const auto& [target, pods] : byTarget) shared_.nominations->nominate(target, pods, now);
  shared_.nominations->prune(now);
}

void Provisioner::tellPod(const api::Pod& pod, kube::EventType type, const std::string& reason,
                          const std::string& message) {
  const std::string key = pod.uid.empty() ? pod.key() : pod.uid;
  const auto now = clock_.now();
  const std::string what = reason + "\n" + message;
  auto it = told_.find(key);
  if (it != told_.end() && it->second.first == what &&
      now - it->second.second < options_.repeatEventsAfter) {
    return;
  }
  told_[key] = {what, now};
  if (told_.size() > 100000) told_.clear();  // a bound; at worst some pods are told again
  events_.record(podRef(pod), type, reason, message);
}

void Provisioner::reportUnschedulable(const binpack::Plan& plan, const ClusterObjects& objects,
                                      const std::vector<api::NodePool>& pools,
                                      const std::map<std::string, std::string>& skipped,
                                      ProvisionResult& result) {
  std::string skippedWhy;
  for (const auto& [pool, why] : skipped) skippedWhy += "; " + why;
  std::map<std::string, const api::Pod*> byKey;
  for (const auto& pod : objects.pending) byKey[pod.key()] = &pod;
  std::map<std::string, std::string> blocked;  // pool -> a reason
  for (const binpack::Unschedulable& u : plan.unschedulable) {
    ++result.unschedulable;
    if (auto it = byKey.find(u.pod); it != byKey.end()) {
      tellPod(*it->second, kube::EventType::kWarning, "FailedProvisioning",
              "cannot provision a node for this pod: " + u.reason + skippedWhy);
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
