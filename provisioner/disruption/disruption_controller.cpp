// The disruption pass. Candidates are taken longest-waiting first; each pool's budget is
// charged as nodes are started, so one pass never exceeds it. The Node is fenced before the
// last check, so no pod can be scheduled onto it between the check and the delete; a node
// that no longer qualifies is un-fenced and left alone.
#include "provisioner/disruption/disruption_controller.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "provisioner/disruption/blockers.h"
#include "provisioner/disruption/drift.h"
#include "provisioner/disruption/emptiness.h"
#include "provisioner/disruption/fence.h"
#include "provisioner/nodeclaim/drain.h"
#include "src/common/crash_point.h"
#include "src/common/logging.h"

namespace gantry::provisioner::disruption {

namespace {

namespace nc = api::nodeclaim;
using json = nlohmann::json;

spdlog::logger& log() {
  static auto logger = componentLogger("disruption");
  return *logger;
}

kube::ObjectReference claimRef(const api::NodeClaim& claim) {
  return {.kind = std::string(nc::kKind),
          .name = claim.name,
          .uid = claim.uid,
          .apiVersion = std::string(nc::kApiVersion)};
}

kube::ObjectReference nodeRef(const api::Node& node) {
  return {.kind = "Node", .name = node.name, .apiVersion = "v1"};
}

double gpus(const api::ResourceList& resources) {
  double n = 0;
  for (const char* name : {"nvidia.com/gpu", "amd.com/gpu"}) {
    n += static_cast<double>(resources.get(name).milliValue()) / 1000.0;
  }
  return n;
}

}  // namespace

DisruptionReconciler::DisruptionReconciler(const nodeclaim::LifecycleReader& reader,
                                           nodeclaim::LifecycleWriter& writer,
                                           kube::EventRecorder& events, Clock& clock,
                                           DisruptionOptions options,
                                           const state::Nominations* nominations,
                                           ProvisionerMetrics* metrics)
    : reader_(reader), writer_(writer), events_(events), clock_(clock), options_(options),
      nominations_(nominations), metrics_(metrics) {
  methods_.push_back(std::make_unique<Emptiness>(reader_, nominations_));
  methods_.push_back(std::make_unique<Drift>(reader_));
}

void DisruptionReconciler::enableConsolidation(ConsolidationDeps deps) {
  auto method = std::make_unique<Consolidation>(std::move(deps), reader_, events_);
  consolidation_ = method.get();
  methods_.push_back(std::move(method));
}

Result<runtime::Requeue> DisruptionReconciler::reconcile(const std::string&) {
  PassResult result = pass();
  if (!result.disrupted.empty()) {
    log().info("disruption pass nodes={} candidates={} blocked={} disrupted={}", result.nodes,
               result.candidates, result.blocked, result.disrupted.size());
  }
  return runtime::Requeue{options_.passInterval};
}

PassResult DisruptionReconciler::pass() {
  const auto now = clock_.now();
  const auto elapsed = lastPass_ ? now - *lastPass_ : Clock::Duration::zero();
  lastPass_ = now;
  if (consolidation_) consolidation_->step(now);
  PassResult result;
  std::map<std::string, PoolCount> counts;
  // (method index, candidate)
  std::vector<std::pair<size_t, Candidate>> candidates;
  std::map<std::pair<std::string, std::string>, double> eligible;
  std::set<std::string> fencedNow;

  // Pools are few and claims many: each pool's count and object are looked up once a pass.
  struct PoolSeen {
    std::string_view name;
    PoolCount* count;
    std::shared_ptr<const api::NodePool> pool;
  };
  std::vector<PoolSeen> pools;
  for (const auto& claim : reader_.nodeClaims()) {
    if (!claim->isTrue(nc::kInitialized)) continue;  // the registration TTL's business
    const std::string& poolName = claim->nodePool();
    auto seen = std::find_if(pools.begin(), pools.end(),
                             [&](const PoolSeen& p) { return p.name == poolName; });
    if (seen == pools.end()) {
      seen = pools.insert(pools.end(), {poolName, &counts[poolName], reader_.nodePool(poolName)});
    }
    PoolCount& count = *seen->count;
    ++count.nodes;
    auto node = claim->nodeName.empty() ? nullptr : reader_.node(claim->nodeName);
    if (node != nullptr && !claim->deleting() && !node->deleting && fenced(*node) &&
        !recentlyDisrupted(claim->name, now) && fenceLeftBehind(claim->name, now, fencedNow)) {
      clearStaleFence(*claim, *node);
    }
    if (claim->deleting() || node == nullptr || node->deleting || !node->ready || fenced(*node)) {
      ++count.disrupting;
      continue;
    }
    ++result.nodes;
    if (metrics_ && elapsed > Clock::Duration::zero()) accountIdleGpus(*claim, *node, elapsed);
    const auto& pool = seen->pool;
    if (pool == nullptr) continue;  // not ours to disrupt (another selector, or deleted)
    Candidate candidate{.claim = claim, .node = node, .pool = pool};
    candidate.since = claim->lastPodEventTime.value_or(
        claim->condition(nc::kInitialized)->lastTransitionTime);
    for (size_t m = 0; m < methods_.size(); ++m) {
      const Method& method = *methods_[m];
      if (!method.enabledFor(*pool) || !method.qualifies(candidate, now)) continue;
      eligible[{poolName, std::string(disruptionReasonName(method.reason()))}] += 1;
      candidates.emplace_back(m, candidate);
      break;  // one method per node: the first that wants it
    }
  }
  std::erase_if(fencedSince_, [&](const auto& kv) { return !fencedNow.contains(kv.first); });
  result.candidates = candidates.size();
  if (metrics_) {
    for (auto& [series, seen] : eligibleSeries_) seen = false;
    for (const auto& [series, n] : eligible) {
      metrics_->setEligible(series.first, series.second, n);
      eligibleSeries_[series] = true;
    }
    for (const auto& [series, seen] : eligibleSeries_) {
      if (!seen) metrics_->setEligible(series.first, series.second, 0);
    }
  }

  std::stable_sort(candidates.begin(), candidates.end(), [](const auto& a, const auto& b) {
    return std::tie(a.first, a.second.since) < std::tie(b.first, b.second.since);
  });
  for (const auto& [m, candidate] : candidates) {
    const Method& method = *methods_[m];
    const std::string poolName = candidate.pool->name;
    if (auto block = doNotDisrupt(*candidate.claim, *candidate.node,
                                  reader_.podsOn(candidate.node->name))) {
      blocked(candidate, block->cause, block->message, block->message);
      ++result.blocked;
      continue;
    }
    PoolCount& count = counts[poolName];
    const BudgetAllowance allowance = allowedDisruptions(
        candidate.pool->budgets, method.reason(), now, count.nodes, count.disrupting);
    if (allowance.allowed <= 0) {
      // The same budget holding the node back is the same block, whatever the counts in the
      // message: they move as other nodes come and go.
      const auto& budgets = candidate.pool->budgets;
      const size_t limiting = allowance.limitingBudget.value_or(budgets.size());
      blocked(candidate, "budget",
              "NodePool " + poolName + " disruption " +
                  describeAllowance(allowance, budgets, method.reason(), count.nodes,
                                    count.disrupting),
              limiting < budgets.size() ? describeBudget(budgets[limiting]) : "");
      ++result.blocked;
      continue;
    }
    if (!disrupt(method, candidate)) {
      ++result.blocked;
      continue;
    }
    ++count.disrupting;
    result.disrupted.push_back(candidate.claim->name);
  }
  return result;
}

bool DisruptionReconciler::disrupt(const Method& method, const Candidate& candidate) {
  const api::NodeClaim& claim = *candidate.claim;
  const std::string& nodeName = candidate.node->name;
  const std::string reason(disruptionReasonName(method.reason()));
  // Fence first: from here on the scheduler places nothing new on the node.
  auto raw = writer_.getNode(nodeName);
  if (!raw) {
    log().debug("cannot read node to disrupt node={} error={}", nodeName, raw.error().toString());
    return false;
  }
  // The fence cordons the node too; only a cordon it set is lifted again.
  const bool wasCordoned = cordoned(*raw);
  auto fence = nodeclaim::disruptedTaintPatch(*raw);
  if (!fence) {
    log().warn("cannot fence node node={} error={}", nodeName, fence.error().toString());
    return false;
  }
  if (!fence->empty()) {
    if (Status s = writer_.patchNode(nodeName, *fence); !s.isOk()) {
      log().debug("cannot fence node node={} error={}", nodeName, s.toString());
      return false;
    }
  }
  crashPoint("disruption.after-fence");
  // The last look, with the fence up: a pod bound or nominated since the pass began keeps
  // the node, which is un-fenced again.
  if (!method.qualifies(candidate, clock_.now())) {
    unfence(writer_, nodeName, !wasCordoned);
    log().info("dropped disruption nodeclaim={} node={} reason={}: no longer qualifies",
               claim.name, nodeName, reason);
    return false;
  }
  Status annotated = writer_.patchNodeClaim(
      claim.name,
      json{{"metadata",
            {{"annotations", {{std::string(nc::kDisruptionReasonAnnotation), reason}}}}}});
  if (!annotated.isOk() && !annotated.isNotFound()) {
    log().warn("cannot annotate nodeclaim nodeclaim={} error={}", claim.name,
               annotated.toString());
  }
  crashPoint("disruption.before-claim-delete");
  Status deleted = writer_.deleteNodeClaim(claim.name);
  if (!deleted.isOk() && !deleted.isNotFound()) {
    log().warn("cannot delete nodeclaim for disruption nodeclaim={} error={}", claim.name,
               deleted.toString());
    // Back to where it was, so the next pass tries again: no fence (else the node would count
    // as disrupting and never be a candidate again) and no reason (else a later deletion for
    // another cause would be reported as this one).
    unfence(writer_, nodeName, !wasCordoned);
    if (annotated.isOk()) {
      (void)writer_.patchNodeClaim(
          claim.name,
          json{{"metadata",
                {{"annotations", {{std::string(nc::kDisruptionReasonAnnotation), nullptr}}}}}});
    }
    return false;
  }
  const std::string message = "Disrupting Node " + nodeName + ": " + reason;
  log().info("disrupting nodeclaim nodeclaim={} node={} nodepool={} reason={}", claim.name,
             nodeName, candidate.pool->name, reason);
  events_.record(claimRef(claim), kube::EventType::kNormal, "DisruptionTerminating", message);
  events_.record(nodeRef(*candidate.node), kube::EventType::kNormal, "DisruptionTerminating",
                 message);
  if (metrics_) metrics_->disrupted(candidate.pool->name, reason);
  told_.erase(claim.name);
  disruptedAt_[claim.name] = clock_.now();
  return true;
}

bool DisruptionReconciler::recentlyDisrupted(const std::string& claim, Clock::TimePoint now) {
  // Long enough for the cache to show our own delete; the claim is deleting after that.
  constexpr auto kCacheLag = std::chrono::minutes(2);
  std::erase_if(disruptedAt_, [&](const auto& kv) { return now - kv.second > kCacheLag; });
  return disruptedAt_.contains(claim);
}

bool DisruptionReconciler::fenceLeftBehind(const std::string& claim, Clock::TimePoint now,
                                           std::set<std::string>& seen) {
  seen.insert(claim);
  auto since = fencedSince_.try_emplace(claim, now).first;
  if (now - since->second < options_.staleFenceAfter) return false;
  fencedSince_.erase(since);
  return true;
}

void DisruptionReconciler::clearStaleFence(const api::NodeClaim& claim, const api::Node& node) {
  // A fence whose claim is not being deleted, and that this process did not just put up:
  // a crash (or failed writes) between fencing and deleting left it. It would keep the node
  // cordoned and counted as disrupting for ever, so it comes down (Karpenter clears its
  // disrupted taints at start-up the same way), with any reason annotated before the crash.
  // The cordon goes too: the fence set it, and which cordon was there before is not known.
  log().info("clearing a fence left behind nodeclaim={} node={}", claim.name, node.name);
  unfence(writer_, node.name, /*uncordon=*/true);
  if (claim.annotations.contains(std::string(nc::kDisruptionReasonAnnotation))) {
    (void)writer_.patchNodeClaim(
        claim.name,
        json{{"metadata",
              {{"annotations", {{std::string(nc::kDisruptionReasonAnnotation), nullptr}}}}}});
  }
}

void DisruptionReconciler::blocked(const Candidate& candidate, const std::string& cause,
                                   const std::string& message, const std::string& blocker) {
  const api::NodeClaim& claim = *candidate.claim;
  const auto now = clock_.now();
  const std::string same = cause + "\n" + blocker;
  auto it = told_.find(claim.name);
  if (it != told_.end() && it->second.first == same &&
      now - it->second.second < options_.repeatBlockedEventsAfter) {
    return;
  }
  told_[claim.name] = {same, now};
  if (told_.size() > 100000) told_.clear();  // a bound; at worst some nodes are told again
  log().info("disruption blocked nodeclaim={} node={} cause={} message={}", claim.name,
             candidate.node->name, cause, message);
  events_.record(claimRef(claim), kube::EventType::kNormal, "DisruptionBlocked", message);
  events_.record(nodeRef(*candidate.node), kube::EventType::kNormal, "DisruptionBlocked",
                 message);
  if (metrics_) metrics_->blocked(candidate.pool->name, cause);
}

void DisruptionReconciler::accountIdleGpus(const api::NodeClaim& claim, const api::Node& node,
                                           Clock::Duration elapsed) {
  const double paid = gpus(node.allocatable);
  if (paid <= 0) return;
  double used = 0;
  for (const auto& pod : reader_.podsOn(node.name)) used += gpus(pod->requests);
  const double idle = std::max(0.0, paid - used);
  metrics_->gpuIdle(claim.nodePool(), idle * std::chrono::duration<double>(elapsed).count());
}

DisruptionController::DisruptionController(kube::ClusterCache& cache, kube::RestClient& client,
                                           kube::EventRecorder& events, Clock& clock,
                                           DisruptionOptions options,
                                           const state::Nominations* nominations,
                                           ProvisionerMetrics* metrics,
                                           prometheus::Registry* registry)
    : reader_(cache),
      writer_(client),
      reconciler_(reader_, writer_, events, clock, options, nominations, metrics),
      controller_(reconciler_, clock,
                  {.name = "disruption",
                   .initialBackoff = std::chrono::seconds(1),
                   .maxBackoff = std::chrono::minutes(1),
                   .registry = registry}) {
  // A claim turning Consolidatable (or anything else about a claim) is worth a pass now
  // rather than at the next tick; the queue folds a burst of updates into one pass.
  runtime::QueueController* queue = &controller_;
  cache.nodeClaims().addHandlers({
      .onAdd = nullptr,
      .onUpdate =
          [queue](const auto& before, const auto& after) {
            if (before->isTrue(nc::kConsolidatable) != after->isTrue(nc::kConsolidatable) ||
                before->isTrue(nc::kDrifted) != after->isTrue(nc::kDrifted)) {
              queue->enqueue(DisruptionReconciler::kKey);
            }
          },
      .onDelete = nullptr,
  });
}

}  // namespace gantry::provisioner::disruption
