// The step runner, and the context helpers the steps share. Steps change a working copy; the
// single write at the end keeps a pass to at most two requests (labels, status) however many
// steps moved the claim, and a failed write leaves the claim as the cache shows it, for the
// retry to redo.
#include "provisioner/nodeclaim/lifecycle_reconciler.h"

#include <spdlog/spdlog.h>

#include "provisioner/nodeclaim/disruption_marks.h"
#include "provisioner/nodeclaim/drift_marks.h"
#include "provisioner/nodeclaim/expiration.h"
#include "provisioner/nodeclaim/initialization.h"
#include "provisioner/nodeclaim/launch.h"
#include "provisioner/nodeclaim/liveness.h"
#include "provisioner/nodeclaim/registration.h"
#include "src/api/nodeclaim_status.h"
#include "src/common/crash_point.h"
#include "src/common/logging.h"

namespace gantry::provisioner::nodeclaim {

namespace {
namespace nc = api::nodeclaim;

// The earlier of two requeues (nullopt: none).
Requeue earliest(Requeue a, Requeue b) {
  if (!a) return b;
  if (!b) return a;
  return std::min(*a, *b);
}
}  // namespace

bool isExtendedResource(std::string_view name) {
  return name != "cpu" && name != "memory" && name != "pods" && name != "ephemeral-storage" &&
         !name.starts_with("hugepages-");
}

std::string formatSeconds(Clock::Duration d) {
  return std::to_string(std::chrono::duration_cast<std::chrono::seconds>(d).count()) + "s";
}

void LifecycleContext::event(const api::NodeClaim& claim, kube::EventType type,
                             const std::string& reason, const std::string& message) const {
  events.record({.kind = std::string(nc::kKind),
                 .name = claim.name,
                 .uid = claim.uid,
                 .apiVersion = std::string(nc::kApiVersion)},
                type, reason, message);
}

Status LifecycleContext::writeStatus(const api::NodeClaim& claim) const {
  return writer.writeNodeClaimStatus(claim);
}

std::shared_ptr<const api::Node> LifecycleContext::nodeOf(const api::NodeClaim& claim) const {
  if (!claim.nodeName.empty()) {
    auto node = reader.node(claim.nodeName);
    // A Node of the same name but another instance is not ours.
    if (node != nullptr && (claim.providerId.empty() || node->providerId == claim.providerId)) {
      return node;
    }
  }
  return reader.nodeByProviderId(claim.providerId);
}

void DeletedClaims::add(const std::string& uid, Clock::TimePoint now) {
  if (uid.empty()) return;
  std::lock_guard lock(mu_);
  std::erase_if(deletedAt_,
                [&](const auto& kv) { return now - kv.second > std::chrono::minutes(10); });
  deletedAt_[uid] = now;
}

bool DeletedClaims::contains(const std::string& uid) const {
  std::lock_guard lock(mu_);
  return !uid.empty() && deletedAt_.contains(uid);
}

void DeletedClaims::forget(const std::string& uid) {
  std::lock_guard lock(mu_);
  deletedAt_.erase(uid);
}

Status LifecycleContext::deleteClaim(const api::NodeClaim& claim, const std::string& reason,
                                     const std::string& message) const {
  Status result = writer.deleteNodeClaim(claim.name);
  if (!result.isOk() && !result.isNotFound()) return result;
  deleted.add(claim.uid, clock.now());
  event(claim, kube::EventType::kWarning, reason, message);
  // The deletion event brings the claim back with a deletionTimestamp (termination).
  return Status::ok();
}

LifecycleReconciler::LifecycleReconciler(LifecycleReader& reader, LifecycleWriter& writer,
                                         cloudprovider::CloudProvider& cloud,
                                         kube::EventRecorder& events, Clock& clock,
                                         LifecycleOptions options, LifecycleShared shared,
                                         ProvisionerMetrics* metrics)
    : ctx_{.reader = reader,
           .writer = writer,
           .cloud = cloud,
           .events = events,
           .clock = clock,
           .options = std::move(options),
           .shared = std::move(shared),
           .metrics = metrics},
      termination_(ctx_, metrics) {
  steps_.push_back(std::make_unique<Expiration>(ctx_));
  steps_.push_back(std::make_unique<Launch>(ctx_));
  steps_.push_back(std::make_unique<Registration>(ctx_));
  steps_.push_back(std::make_unique<Liveness>(ctx_));
  steps_.push_back(std::make_unique<Initialization>(ctx_));
  steps_.push_back(std::make_unique<DisruptionMarks>(ctx_));
  steps_.push_back(std::make_unique<DriftMarks>(ctx_));
}

std::vector<std::string> LifecycleReconciler::resyncKeys() {
  std::vector<std::string> keys;
  for (const auto& c : ctx_.reader.nodeClaims()) keys.push_back(c->name);
  return keys;
}

Result<Requeue> LifecycleReconciler::reconcile(const std::string& name) {
  auto cached = ctx_.reader.nodeClaim(name);
  if (cached == nullptr) return Requeue{};
  if (cached->deleting()) {
    ctx_.deleted.forget(cached->uid);
    if (!cached->hasFinalizer(nc::kTerminationFinalizer)) return Requeue{};
    return termination_.terminate(*cached);
  }
  // An earlier pass deleted it and the cache has not caught up: nothing to do but wait for
  // the deletion's event, which brings the claim back for termination.
  if (ctx_.deleted.contains(cached->uid)) return Requeue{};
  // The working copy is assigned over the previous pass's on this thread, which reuses its
  // strings' buffers and its maps' nodes: a fresh copy and its destruction were over a third
  // of the lifecycle's time in a simulated day (two passes per pod). Per thread: the
  // controller runs several workers; a pass never re-enters reconcile.
  thread_local api::NodeClaim working;
  working = *cached;
  api::NodeClaim& claim = working;
  Requeue requeue;
  std::optional<Status> error;
  for (const auto& step : steps_) {
    auto result = step->reconcile(claim);
    if (!result) {
      error = result.error().withContext(std::string(step->name()));
      break;
    }
    if (result->deleted) return requeue;  // nothing of it is left to write
    requeue = earliest(requeue, result->requeue);
    if (result->halt) break;
  }
  if (Status written = write(*cached, claim); !written.isOk()) return fail(written);
  countTransitions(*cached, claim);
  if (error) return fail(*error);
  return requeue;
}

// Counted from the written status rather than inside the steps: a pass whose write fails is
// run again, and would count the same launch twice.
void LifecycleReconciler::countTransitions(const api::NodeClaim& before,
                                           const api::NodeClaim& after) const {
  if (ctx_.metrics == nullptr) return;
  const std::string pool = after.nodePool();
  auto reached = [&](std::string_view condition) {
    return after.isTrue(condition) && !before.isTrue(condition);
  };
  if (reached(nc::kLaunched)) ctx_.metrics->nodeClaimLaunched(pool);
  if (reached(nc::kRegistered)) ctx_.metrics->nodeClaimRegistered(pool);
  if (reached(nc::kInitialized)) {
    const auto since = after.creationTimestamp ? ctx_.clock.now() - *after.creationTimestamp
                                               : Clock::Duration::zero();
    ctx_.metrics->nodeClaimInitialized(pool, since);
  }
}

Status LifecycleReconciler::write(const api::NodeClaim& before, api::NodeClaim& after) {
  std::string version = before.resourceVersion;
  api::Labels added;
  // Most passes add none: one ordered walk tells, instead of a lookup per label.
  if (after.labels != before.labels) {
    for (const auto& [k, v] : after.labels) {
      auto it = before.labels.find(k);
      if (it == before.labels.end() || it->second != v) added[k] = v;
    }
  }
  if (!added.empty()) {
    auto patched = ctx_.writer.addNodeClaimLabels(after.name, added, version);
    if (!patched) return patched.error();
    version = *patched;
    crashPoint("lifecycle.between-label-and-status-write");
  }
  if (api::sameStatus(before, after)) return Status::ok();
  after.resourceVersion = std::move(version);
  return ctx_.writeStatus(after);
}

}  // namespace gantry::provisioner::nodeclaim
