// The consolidation decision's life, one step per disruption pass. What it reads it reads
// afresh each step (the ClusterSource copy of the cache), so a validation compares the
// decision with the cluster as it is 15 s later, not with what the planner saw.
#include "provisioner/disruption/consolidation.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "provisioner/disruption/consolidation_candidates.h"
#include "provisioner/disruption/consolidation_fingerprint.h"
#include "provisioner/provisioning/claim_builder.h"
#include "src/common/logging.h"

namespace gantry::provisioner::disruption {

namespace {

namespace nc = api::nodeclaim;

spdlog::logger& log() {
  static auto logger = componentLogger("consolidation");
  return *logger;
}

// How long the drained claims stay out of planning: the cache catches up with the fence and
// the delete well within it.
constexpr auto kDrainedMemory = std::chrono::minutes(2);
// A replacement the cache has not shown by then was never created as far as we can tell.
constexpr auto kReplacementCacheLag = std::chrono::minutes(1);
// How long after the drain the replacement stays nominated for the moving pods.
constexpr auto kProtectAfterDrain = std::chrono::minutes(2);

}  // namespace

Consolidation::Consolidation(ConsolidationDeps deps, const nodeclaim::LifecycleReader& reader,
                             kube::EventRecorder& events)
    : deps_(std::move(deps)), reader_(reader), events_(events) {}

bool Consolidation::enabledFor(const api::NodePool& pool) const {
  return consolidationEnabled(pool);
}

bool Consolidation::qualifies(const Candidate& candidate, Clock::TimePoint) const {
  if (phase_ != Phase::kDraining || !move_) return false;
  auto it = std::find(move_->claims.begin(), move_->claims.end(), candidate.claim->name);
  if (it == move_->claims.end()) return false;
  const std::string& node = move_->nodes[static_cast<size_t>(it - move_->claims.begin())];
  auto planned = move_->pods.find(node);
  if (planned == move_->pods.end()) return false;
  // The last look: a pod that arrived after validation was not planned for.
  for (const auto& pod : reader_.podsOn(candidate.node->name)) {
    if (runsWithNode(*pod) || pod->terminating) continue;
    if (std::find(planned->second.begin(), planned->second.end(), pod->key()) ==
        planned->second.end()) {
      return false;
    }
  }
  return true;
}

void Consolidation::step(Clock::TimePoint now) {
  std::erase_if(drained_, [&](const auto& kv) { return now - kv.second > kDrainedMemory; });
  protectReplacement(now);
  if (phase_ == Phase::kIdle && !replacement_.empty() && now >= protectUntil_) {
    replacement_.clear();
  }
  switch (phase_) {
    case Phase::kIdle: plan(now); break;
    case Phase::kValidating:
      if (now - since_ >= deps_.validationPeriod) validate(now);
      break;
    case Phase::kLaunching: watchReplacement(now); break;
    case Phase::kDraining:
      // The pass that entered this phase has handed the nodes to the drain.
      for (const auto& claim : move_->claims) drained_[claim] = now;
      protectUntil_ = now + kProtectAfterDrain;
      phase_ = Phase::kIdle;
      move_.reset();
      plan(now);
      break;
  }
}

std::optional<Consolidation::Read> Consolidation::read(Clock::TimePoint now) {
  auto catalog = deps_.catalog();
  if (!catalog || *catalog == nullptr) {
    log().warn("cannot read instance types for consolidation error={}",
               catalog ? "none" : catalog.error().message());
    return std::nullopt;
  }
  Read r{.objects = deps_.source(), .catalog = *catalog, .built = {}};
  std::set<std::string> excluded;
  for (const auto& [claim, at] : drained_) excluded.insert(claim);
  if (!replacement_.empty()) excluded.insert(replacement_);
  r.built = buildConsolidationInput(r.objects, *r.catalog, deps_.region, now, excluded);
  // Nodes handed to the drain are going, whatever the cache shows yet: no pod goes there.
  for (ClusterNode& n : r.built.input.nodes) {
    if (drained_.contains(n.claim)) n.target = n.candidate = false;
  }
  if (deps_.writer == nullptr) r.built.input.nodePools.clear();  // nothing can be bought
  return r;
}

// Whether any NodeClaim could be a candidate at all (Consolidatable, in a pool whose policy
// consolidates underutilized nodes): without one, reading and fingerprinting the cluster on
// every pass would be for nothing (most clusters' pools are WhenEmpty, or all busy).
bool Consolidation::anyCandidateClaim() const {
  // Pools are few and claims many. Most clusters consolidate only empty nodes: then no pool
  // consolidates, and no claim needs reading at all.
  const auto pools = reader_.nodePools();  // held: the names below view them
  std::vector<std::string_view> consolidating;
  for (const auto& pool : pools) {
    if (consolidationEnabled(*pool)) consolidating.push_back(pool->name);
  }
  if (consolidating.empty()) return false;
  for (const auto& claim : reader_.nodeClaims()) {
    if (claim->deleting() || !claim->isTrue(api::nodeclaim::kConsolidatable)) continue;
    if (std::ranges::find(consolidating, claim->nodePool()) != consolidating.end()) return true;
  }
  return false;
}

void Consolidation::plan(Clock::TimePoint now) {
  if (!anyCandidateClaim()) return;
  auto r = read(now);
  if (!r) return;
  tellBlocked(*r);
  // The same cluster as when the last search found nothing: the search would find nothing
  // again. Searched anyway now and then, for what the input does not show (an offering that
  // became available again).
  const uint64_t fingerprint = consolidationFingerprint(r->built.input, r->catalog.get());
  if (nothingFound_ && nothingFound_->fingerprint == fingerprint &&
      now - nothingFound_->at < kSearchUnchangedAgainAfter) {
    return;
  }
  auto found = planConsolidation(r->built.input, *r->catalog, deps_.planner);
  if (deps_.metrics) deps_.metrics->setSavings(found ? found->savingsPerHour() : 0);
  if (!found) {
    nothingFound_ = NothingFound{.fingerprint = fingerprint, .at = now};
    return;
  }
  nothingFound_.reset();
  claimUids_.clear();
  for (const auto& claim : r->objects.nodeClaims) {
    if (std::find(found->claims.begin(), found->claims.end(), claim->name) != found->claims.end()) {
      claimUids_[claim->name] = claim->uid;
    }
  }
  log().info("consolidation candidate action={} nodes={} summary={}; validating",
             moveKindName(found->kind), found->nodes.size(), found->summary);
  move_ = std::move(found);
  phase_ = Phase::kValidating;
  since_ = now;
}

void Consolidation::validate(Clock::TimePoint now) {
  auto r = read(now);
  if (!r) return drop("the cluster could not be read again");
  auto fresh = revalidate(r->built.input, *move_, *r->catalog, deps_.planner);
  if (!fresh) return drop("the cluster changed during the validation period");
  if (deps_.evictions) {
    for (const auto& [node, pods] : fresh->pods) {
      for (const auto& key : pods) {
        const size_t slash = key.find('/');
        Status s = deps_.evictions->canEvict(key.substr(0, slash), key.substr(slash + 1));
        if (s.isOk() || s.isNotFound()) continue;
        return drop("pod " + key + " cannot be evicted now" +
                    (s.code() == StatusCode::kThrottled ? " (its PodDisruptionBudget allows no "
                                                          "disruption)"
                                                        : ": " + s.message()));
      }
    }
  }
  move_ = std::move(fresh);
  const std::string pool = r->built.input.nodes.empty() ? "" : [&] {
    for (const auto& n : r->built.input.nodes) {
      if (n.node.name == move_->nodes.front()) return n.nodePool;
    }
    return std::string();
  }();
  if (deps_.metrics) {
    deps_.metrics->decided(pool, std::string(moveKindName(move_->kind)));
    deps_.metrics->setSavings(move_->savingsPerHour());
  }
  tell("Consolidating",
       "Consolidating (" + std::string(moveKindName(move_->kind)) + "): " + move_->summary,
       kube::EventType::kNormal);
  log().info("consolidating action={} nodepool={} summary={}", moveKindName(move_->kind), pool,
             move_->summary);
  if (!move_->replacement) {
    phase_ = Phase::kDraining;
    return;
  }
  if (!launch(*r, now)) drop("the replacement NodeClaim could not be created");
}

bool Consolidation::launch(const Read& r, Clock::TimePoint now) {
  const binpack::PlannedNode& planned = *move_->replacement;
  auto pool = std::find_if(r.objects.nodePools.begin(), r.objects.nodePools.end(),
                           [&](const api::NodePool& p) { return p.name == planned.nodePool; });
  if (pool == r.objects.nodePools.end() || deps_.writer == nullptr) return false;
  auto claim = buildNodeClaim(planned, *pool, *r.catalog);
  if (!claim) return false;
  auto created = deps_.writer->createNodeClaim(*claim);
  if (!created) {
    log().warn("cannot create replacement nodeclaim nodepool={} error={}", pool->name,
               created.error().message());
    return false;
  }
  replacement_ = created->name;
  replacementSeen_ = false;
  replacementNode_.clear();
  protectedPods_.clear();
  for (const auto& [node, pods] : move_->pods) {
    protectedPods_.insert(protectedPods_.end(), pods.begin(), pods.end());
  }
  protectUntil_ = now + deps_.replacementTimeout;
  phase_ = Phase::kLaunching;
  since_ = now;
  tell("ConsolidationReplacing",
       "Launching replacement NodeClaim " + replacement_ + " (" + planned.instanceType +
           ") before draining",
       kube::EventType::kNormal);
  log().info("launched consolidation replacement nodeclaim={} type={}", replacement_,
             planned.instanceType);
  protectReplacement(now);
  return true;
}

void Consolidation::watchReplacement(Clock::TimePoint now) {
  auto claim = reader_.nodeClaim(replacement_);
  if (claim == nullptr) {
    if (replacementSeen_) return drop("the replacement " + replacement_ + " failed to launch");
    if (now - since_ > kReplacementCacheLag) {
      return drop("the replacement " + replacement_ + " never appeared");
    }
    return;
  }
  replacementSeen_ = true;
  replacementNode_ = claim->nodeName;
  if (claim->deleting()) return drop("the replacement " + replacement_ + " failed to launch");
  if (claim->isTrue(nc::kInitialized)) {
    log().info("consolidation replacement initialized nodeclaim={}; draining", replacement_);
    phase_ = Phase::kDraining;
    return;
  }
  if (now - since_ > deps_.replacementTimeout) {
    drop("the replacement " + replacement_ + " did not initialize in time");
  }
}

void Consolidation::protectReplacement(Clock::TimePoint now) {
  if (deps_.nominations == nullptr || replacement_.empty() || now >= protectUntil_) return;
  deps_.nominations->nominate(replacement_, protectedPods_, now);
  if (!replacementNode_.empty()) deps_.nominations->nominate(replacementNode_, protectedPods_, now);
}

void Consolidation::drop(const std::string& why) {
  if (move_) {
    log().info("dropped consolidation action={} summary={}: {}", moveKindName(move_->kind),
               move_->summary, why);
    tell("ConsolidationDropped", "Consolidation dropped: " + why, kube::EventType::kNormal);
  }
  phase_ = Phase::kIdle;
  move_.reset();
  replacement_.clear();
  protectedPods_.clear();
}

void Consolidation::tell(const std::string& reason, const std::string& message,
                         kube::EventType type) {
  for (size_t i = 0; i < move_->nodes.size(); ++i) {
    const std::string& claim = move_->claims[i];
    events_.record({.kind = "Node", .name = move_->nodes[i], .apiVersion = "v1"}, type, reason,
                   message);
    if (claim.empty()) continue;
    events_.record({.kind = std::string(nc::kKind),
                    .name = claim,
                    .uid = claimUids_[claim],
                    .apiVersion = std::string(nc::kApiVersion)},
                   type, reason, message);
  }
}

void Consolidation::tellBlocked(const Read& r) {
  // Once per claim and cause: the message names the pod, and repeats every pass otherwise.
  for (const auto& [claim, node, block] : r.built.blocked) {
    auto& last = toldBlocked_[claim];
    if (last == block.message) continue;
    last = block.message;
    const std::string message = "Cannot consolidate: " + block.message;
    events_.record({.kind = "Node", .name = node, .apiVersion = "v1"}, kube::EventType::kNormal,
                   "DisruptionBlocked", message);
  }
  if (toldBlocked_.size() > 100000) toldBlocked_.clear();
}

}  // namespace gantry::provisioner::disruption
