// The drift-marks step. The mark is recomputed on every pass from the pool and the cloud, so
// a template changed back, or an AMI selector restored, takes the mark off again before the
// disruption controller gets to the node.
#include "provisioner/nodeclaim/drift_marks.h"

#include <spdlog/spdlog.h>

#include "src/api/nodepool_hash.h"
#include "src/common/logging.h"

namespace gantry::provisioner::nodeclaim {

namespace {
namespace nc = api::nodeclaim;
using api::ConditionStatus;

spdlog::logger& log() {
  static auto logger = componentLogger("nodeclaim");
  return *logger;
}

std::optional<std::string_view> annotation(const api::Labels& annotations,
                                           std::string_view key) {
  auto it = annotations.find(key);
  if (it == annotations.end()) return std::nullopt;
  return it->second;
}

bool staticReason(std::string_view reason) {
  return reason == kNodePoolDrifted || reason == kRequirementsDrifted;
}
}  // namespace

DriftVerdict staticDrift(const api::NodePool& pool, std::string_view poolHash,
                         const api::NodeClaim& claim, const api::Labels* nodeLabels) {
  const auto claimHash = annotation(claim.annotations, api::kNodePoolHashAnnotation);
  const auto claimVersion = annotation(claim.annotations, api::kNodePoolHashVersionAnnotation);
  if (claimHash && claimVersion && *claimVersion == api::kNodePoolHashVersion) {
    if (*claimHash != poolHash) {
      return {std::string(kNodePoolDrifted),
              "NodePool " + pool.name + " template changed (hash " + std::string(*claimHash) +
                  " -> " + std::string(poolHash) + ")"};
    }
  }
  for (const auto& r : pool.requirements) {
    std::optional<std::string_view> value;
    if (auto it = claim.labels.find(r.key); it != claim.labels.end()) {
      value = it->second;
    } else if (nodeLabels != nullptr) {
      if (auto n = nodeLabels->find(r.key); n != nodeLabels->end()) value = n->second;
    }
    if (!value) continue;  // undefined: not drift (see the header)
    if (!r.matchesValue(value)) {
      return {std::string(kRequirementsDrifted),
              "NodePool " + pool.name + " requires " + r.toString() + ", node has " + r.key +
                  "=" + std::string(*value)};
    }
  }
  return {};
}

std::string DriftMarks::poolHash(const std::shared_ptr<const api::NodePool>& pool) {
  std::lock_guard lock(mu_);
  auto it = poolHashes_.find(pool->name);
  if (it == poolHashes_.end()) {
    it = poolHashes_.emplace(pool->name, PoolHash{}).first;
  } else if (it->second.pool == pool) {
    return it->second.hash;
  }
  // A pool deleted for good leaves one entry behind until a pool of its name comes back.
  it->second = {.pool = pool, .hash = api::nodePoolHash(*pool)};
  return it->second.hash;
}

std::optional<std::string> DriftMarks::cloudDrift(const api::NodeClaim& claim) {
  const auto now = ctx_.clock.now();
  {
    std::lock_guard lock(mu_);
    auto it = cloud_.find(claim.name);
    if (it != cloud_.end() && it->second.uid == claim.uid &&
        now - it->second.at < ctx_.options.driftCheckInterval) {
      return it->second.reason;
    }
  }
  if (claim.providerId.empty()) return std::nullopt;
  auto instance = ctx_.cloud.get(claim.providerId);
  if (!instance) {
    // kNotFound: the instance is gone, which garbage collection and liveness deal with.
    log().debug("cannot describe instance for drift nodeclaim={} error={}", claim.name,
                instance.error().toString());
    return std::nullopt;
  }
  auto drifted = ctx_.cloud.isDrifted(*instance, claim.nodeClassRef);
  if (!drifted) {
    log().debug("cannot check drift nodeclaim={} error={}", claim.name,
                drifted.error().toString());
    return std::nullopt;
  }
  std::lock_guard lock(mu_);
  // Verdicts of claims gone since are dropped once stale, which keeps the map to the fleet.
  std::erase_if(cloud_, [&](const auto& kv) {
    return now - kv.second.at > 10 * ctx_.options.driftCheckInterval;
  });
  cloud_[claim.name] = {.uid = claim.uid, .reason = drifted->value_or(""), .at = now};
  return drifted->value_or("");
}

Result<StepResult> DriftMarks::reconcile(api::NodeClaim& claim) {
  const api::Condition* mark = claim.condition(nc::kDrifted);
  if (!claim.isTrue(nc::kLaunched)) {
    if (mark) removeCondition(claim.conditions, nc::kDrifted);
    return StepResult{};
  }
  auto pool = ctx_.reader.nodePool(claim.nodePool());
  if (pool == nullptr) return StepResult{};  // not ours to judge (deleted, another selector)
  auto node = ctx_.nodeOf(claim);
  DriftVerdict verdict =
      staticDrift(*pool, poolHash(pool), claim, node ? &node->labels : nullptr);
  if (verdict.reason.empty()) {
    auto cloud = cloudDrift(claim);
    if (!cloud) {
      // No answer: a mark the cloud set stays, one from the pool (now fine) goes.
      if (mark && staticReason(mark->reason)) removeCondition(claim.conditions, nc::kDrifted);
      return StepResult{};
    }
    if (!cloud->empty()) {
      verdict = {*cloud, "EC2NodeClass " + claim.nodeClassRef.name + " no longer matches the " +
                             "instance (" + *cloud + ")"};
    }
  }
  const bool wasDrifted = mark != nullptr && mark->status == ConditionStatus::kTrue;
  if (verdict.reason.empty()) {
    if (mark) {
      removeCondition(claim.conditions, nc::kDrifted);
      log().info("nodeclaim no longer drifted nodeclaim={}", claim.name);
    }
    return StepResult{};
  }
  const bool sameReason = wasDrifted && mark->reason == verdict.reason;
  claim.setCondition(nc::kDrifted, ConditionStatus::kTrue, verdict.reason, verdict.message,
                     ctx_.clock.now());
  if (!sameReason) {
    log().info("nodeclaim drifted nodeclaim={} node={} reason={} message={}", claim.name,
               claim.nodeName, verdict.reason, verdict.message);
    const std::string message = "Drifted (" + verdict.reason + "): " + verdict.message +
                                "; the node will be replaced within the NodePool's budgets";
    ctx_.event(claim, kube::EventType::kNormal, "Drifted", message);
    if (node) {
      ctx_.events.record({.kind = "Node", .name = node->name, .apiVersion = "v1"},
                         kube::EventType::kNormal, "Drifted", message);
    }
  }
  return StepResult{};
}

}  // namespace gantry::provisioner::nodeclaim
