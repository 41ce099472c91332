// The termination path's passes. Every wait (an eviction refused, pods terminating, an
// instance shutting down) is a requeue, never a sleep, so one worker serves many drains.
#include <spdlog/spdlog.h>

#include <algorithm>

#include "provisioner/nodeclaim/drain.h"
#include "provisioner/nodeclaim/termination.h"
#include "provisioner/nodeclaim/node_adoption.h"
#include "src/common/crash_point.h"
#include "src/common/logging.h"

namespace gantry::provisioner::nodeclaim {

namespace {
namespace nc = api::nodeclaim;
using json = nlohmann::json;

spdlog::logger& log() {
  static auto logger = componentLogger("nodeclaim");
  return *logger;
}

bool isDeleting(const json& node) {
  auto meta = node.find("metadata");
  if (meta == node.end() || !meta->is_object()) return false;
  auto ts = meta->find("deletionTimestamp");
  return ts != meta->end() && !ts->is_null();
}

bool isCordoned(const json& node) {
  auto spec = node.find("spec");
  if (spec == node.end() || !spec->is_object()) return false;
  auto u = spec->find("unschedulable");
  return u != spec->end() && u->is_boolean() && u->get<bool>();
}

bool hasFinalizer(const json& node, std::string_view finalizer) {
  auto meta = node.find("metadata");
  if (meta == node.end() || !meta->is_object()) return false;
  auto list = meta->find("finalizers");
  if (list == meta->end() || !list->is_array()) return false;
  return std::any_of(list->begin(), list->end(),
                     [&](const json& f) { return f.is_string() && f.get<std::string>() == finalizer; });
}

// Treats "already gone" as done.
Status gone(Status s) { return s.isNotFound() ? Status::ok() : s; }

// When the claim's spec.terminationGracePeriod (counted from its deletion) runs out, or
// nullopt without one: then the drain waits as long as PodDisruptionBudgets make it.
std::optional<Clock::TimePoint> drainDeadline(const api::NodeClaim& claim) {
  if (claim.terminationGracePeriod.empty() || !claim.deletionTimestamp) return std::nullopt;
  auto grace = api::parseNodeDuration(claim.terminationGracePeriod);
  if (!grace || !*grace) return std::nullopt;  // the decoder refuses both
  return *claim.deletionTimestamp + **grace;
}

}  // namespace

Result<std::optional<Clock::Duration>> Termination::releaseNode(
    const api::NodeClaim& claim) {
  using Wait = std::optional<Clock::Duration>;
  auto cached = ctx_.nodeOf(claim);
  if (cached == nullptr) return Wait{};  // never registered, or gone: nothing to drain
  const std::string name = cached->name;
  auto node = ctx_.writer.getNode(name);
  if (!node) return node.error().isNotFound() ? Result<Wait>(Wait{}) : fail(node.error());
  // Deleting and already let go by us: only someone else's finalizer holds it.
  if (isDeleting(*node) && !hasFinalizer(*node, nc::kTerminationFinalizer)) return Wait{};

  // A Node a user deleted is drained too: our finalizer keeps it (and its pods) until then.
  auto drained = drainNode(claim, *cached, *node);
  if (!drained) return fail(drained.error());
  if (*drained) return *drained;

  if (!isDeleting(*node)) {
    crashPoint("termination.before-node-delete");  // drained, not cordoned or deleted yet
    if (!isCordoned(*node)) {
      Status cordoned = gone(ctx_.writer.patchNode(name, json{{"spec", {{"unschedulable", true}}}}));
      if (!cordoned.isOk()) return fail(cordoned);
    }
    Status deleted = gone(ctx_.writer.deleteNode(name));
    if (!deleted.isOk()) return fail(deleted);
    log().info("deleting node name={} nodeclaim={}", name, claim.name);
    crashPoint("termination.after-node-delete");  // the Node still holds our finalizer
    node = ctx_.writer.getNode(name);
    if (!node) return node.error().isNotFound() ? Result<Wait>(Wait{}) : fail(node.error());
  }
  json patch = removeFinalizerPatch(*node, nc::kTerminationFinalizer);
  if (!patch.empty()) {
    Status released = gone(ctx_.writer.patchNode(name, patch));
    if (!released.isOk()) return fail(released);
  }
  // Other finalizers may hold the Node a while; the instance goes regardless (a Node whose
  // instance is gone is what the kubelet-less cloud leaves anyway).
  return Wait{};
}

Result<std::optional<Clock::Duration>> Termination::drainNode(const api::NodeClaim& claim,
                                                                      const api::Node& cached,
                                                                      json& node) {
  using Wait = std::optional<Clock::Duration>;
  const std::string& name = cached.name;
  // Without a kubelet nobody finishes a terminating pod; the pod GC removes it with the Node.
  const DrainSelection pods = selectPodsToEvict(ctx_.reader.podsOn(name), cached.ready);

  // Fence the Node first, so nothing new lands on it while it drains.
  auto fence = disruptedTaintPatch(node);
  if (!fence) {
    // Malformed taints on the server's copy: drain without the taint rather than never.
    log().warn("cannot taint node for drain name={} nodeclaim={} error={}", name, claim.name,
               fence.error().toString());
  } else if (!fence->empty()) {
    Status tainted = ctx_.writer.patchNode(name, *fence);
    if (tainted.isNotFound()) return Wait{};
    if (!tainted.isOk()) return fail(tainted);
    log().info("draining node name={} nodeclaim={} pods={}", name, claim.name, pods.evictable());
    crashPoint("termination.after-node-taint");  // fenced, no pod evicted yet
    ctx_.event(claim, kube::EventType::kNormal, "Draining",
               "Draining node " + name + ": " + std::to_string(pods.evictable()) + " pods to evict");
    auto fresh = ctx_.writer.getNode(name);
    if (!fresh) return fresh.error().isNotFound() ? Result<Wait>(Wait{}) : fail(fresh.error());
    node = std::move(*fresh);
  }

  auto done = [&](const std::string& message) -> Result<Wait> {
    {
      std::lock_guard lock(mu_);
      refusedPasses_.erase(claim.name);
    }
    log().info("drained node name={} nodeclaim={}", name, claim.name);
    ctx_.event(claim, kube::EventType::kNormal, "Drained", message);
    return Wait{};
  };
  if (pods.drained()) return done("Drained node " + name);

  const auto deadline = drainDeadline(claim);
  const auto now = ctx_.clock.now();
  if (deadline && now >= *deadline) {
    // Karpenter v1: past the grace period, PDBs no longer hold the node; delete what is left
    // and go on without waiting for it.
    std::size_t deleted = 0;
    for (const auto* group : {&pods.evictNow, &pods.evictLater}) {
      for (const auto& pod : *group) {
        Status s = gone(ctx_.writer.deletePod(pod->ns, pod->name));
        if (!s.isOk()) return fail(s);
        log().debug("deleted pod pod={} node={} nodeclaim={}", pod->key(), name, claim.name);
        ++deleted;
      }
    }
    log().warn("termination grace period exceeded nodeclaim={} node={} pods_deleted={}",
               claim.name, name, deleted);
    ctx_.event(claim, kube::EventType::kWarning, "TerminationGracePeriodExceeded",
               "terminationGracePeriod " + claim.terminationGracePeriod + " exceeded; deleted " +
                   std::to_string(deleted) + " remaining pods of node " + name);
    return done("Drained node " + name + " (grace period exceeded)");
  }

  std::size_t refused = 0;
  std::optional<Status> firstError;
  for (const auto& pod : pods.evictNow) {
    Status s = ctx_.writer.evictPod(pod->ns, pod->name);
    if (s.isOk()) {
      log().debug("evicted pod pod={} node={} nodeclaim={}", pod->key(), name, claim.name);
    } else if (s.isThrottled()) {
      ++refused;
      log().debug("eviction refused pod={} node={} error={}", pod->key(), name, s.message());
      const std::string why = "cannot evict " + pod->key() +
                              ": blocked by a PodDisruptionBudget (" + s.message() + ")";
      ctx_.event(claim, kube::EventType::kWarning, "EvictionBlocked", why);
      ctx_.event(claim, kube::EventType::kWarning, "DisruptionBlocked", why);
      if (metrics_) metrics_->blocked(claim.nodePool(), "pdb");
    } else if (!s.isNotFound() && !firstError) {
      firstError = s.withContext("evicting pod " + pod->key());
    }
  }
  if (firstError) return fail(*firstError);

  // Evicted pods terminate on their own time; refused ones are tried again with backoff.
  Clock::Duration wait = ctx_.options.pollInterval;
  if (refused > 0) {
    wait = evictionRetryDelay(claim.name);
  } else {
    std::lock_guard lock(mu_);
    refusedPasses_.erase(claim.name);
  }
  if (deadline) wait = std::min(wait, *deadline - now);
  return Wait{wait};
}

Clock::Duration Termination::evictionRetryDelay(const std::string& claimName) {
  int n = 0;
  {
    std::lock_guard lock(mu_);
    n = ++refusedPasses_[claimName];
  }
  auto delay = ctx_.options.evictionRetry * (1LL << std::min(n - 1, 16));
  return std::min<Clock::Duration>(delay, ctx_.options.maxEvictionRetry);
}

Result<Requeue> Termination::terminate(const api::NodeClaim& claim) {
  auto released = releaseNode(claim);
  if (!released) return fail(released.error());
  if (*released) return Requeue{**released};  // still draining

  if (!claim.providerId.empty()) {
    crashPoint("termination.before-instance-terminate");  // the Node released
    Status terminated = ctx_.cloud.deleteInstance(claim.providerId);
    if (terminated.isOk()) {
      crashPoint("termination.after-instance-terminate");
      // Terminating: OK until the cloud reports it gone. Look again shortly.
      ctx_.event(claim, kube::EventType::kNormal, "TerminatingInstance",
                 "Terminating instance " + claim.providerId);
      return Requeue{ctx_.options.pollInterval};
    }
    if (terminated.isInvalid()) {
      // A providerID we cannot parse names no instance we could ever terminate; holding the
      // finalizer forever would only block the claim's deletion.
      log().warn("releasing nodeclaim with malformed provider id name={} provider_id={} error={}",
                 claim.name, claim.providerId, terminated.message());
    } else if (!terminated.isNotFound()) {
      return fail(terminated);
    }
  }

  crashPoint("termination.before-finalizer-removal");  // the instance gone
  Status removed = gone(ctx_.writer.patchNodeClaim(
      claim.name, removeFinalizerPatch(claim, nc::kTerminationFinalizer)));
  if (!removed.isOk()) return fail(removed);
  std::string reason = "Deleted";
  if (auto it = claim.annotations.find(std::string(nc::kDisruptionReasonAnnotation));
      it != claim.annotations.end()) {
    reason = it->second;
  }
  log().info("terminated nodeclaim name={} provider_id={} reason={}", claim.name,
             claim.providerId, reason);
  ctx_.event(claim, kube::EventType::kNormal, "Terminated",
             claim.providerId.empty() ? "NodeClaim released (no instance)"
                                      : "Instance " + claim.providerId + " terminated (" +
                                            reason + ")");
  if (metrics_) {
    const auto born = claim.creationTimestamp.value_or(ctx_.clock.now());
    metrics_->terminated(claim.nodePool(), reason, ctx_.clock.now() - born);
  }
  return Requeue{};
}

}  // namespace gantry::provisioner::nodeclaim
