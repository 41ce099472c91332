// Garbage collection passes. The first-seen maps make the grace period hold even for
// instances without a launch time and across objects that flap in the cache.
#include "provisioner/nodeclaim/garbage_collector.h"

#include <spdlog/spdlog.h>

#include <string_view>
#include <unordered_set>

#include "provisioner/nodeclaim/node_adoption.h"
#include "src/api/well_known_labels.h"
#include "src/common/crash_point.h"
#include "src/common/logging.h"

namespace gantry::provisioner::nodeclaim {

namespace {
namespace nc = api::nodeclaim;

spdlog::logger& log() {
  static auto logger = componentLogger("nodeclaim-gc");
  return *logger;
}

// Membership tests over names and ids that outlive the pass (the cache's objects, the listed
// instances): hashed views, as a pass runs every 30 s over every claim, node and instance.
using NameSet = std::unordered_set<std::string_view>;

// The time `key` was first seen in the state `since` tracks, now if it is new; `next` gets
// the entry, so keys no longer in that state are forgotten when it replaces `since`.
Clock::TimePoint firstSeen(const std::map<std::string, Clock::TimePoint>& since,
                           std::map<std::string, Clock::TimePoint>& next, const std::string& key,
                           Clock::TimePoint now) {
  auto it = since.find(key);
  const Clock::TimePoint at = it != since.end() ? it->second : now;
  next[key] = at;
  return at;
}

}  // namespace

GarbageCollector::GarbageCollector(LifecycleReader& reader, LifecycleWriter& writer,
                                   cloudprovider::CloudProvider& cloud,
                                   kube::EventRecorder& events, Clock& clock,
                                   GarbageCollectionOptions options)
    : reader_(reader), writer_(writer), cloud_(cloud), events_(events), clock_(clock),
      options_(options) {}

Result<runtime::Requeue> GarbageCollector::reconcile(const std::string&) {
  auto collected = collect();
  if (!collected) return fail(collected.error());
  if (collected->instancesTerminated + collected->claimsDeleted + collected->nodesDeleted > 0) {
    log().info("collected garbage instances_terminated={} nodeclaims_deleted={} nodes_deleted={}",
               collected->instancesTerminated, collected->claimsDeleted, collected->nodesDeleted);
  }
  return runtime::Requeue{options_.interval};
}

Result<GarbageCollectionResult> GarbageCollector::collect() {
  auto instances = cloud_.list();
  if (!instances) return fail(instances.error());
  const auto now = clock_.now();
  GarbageCollectionResult result;
  collectInstances(*instances, now, result);
  collectClaims(*instances, now, result);
  collectNodes(*instances, now, result);
  return result;
}

void GarbageCollector::collectInstances(const std::vector<cloudprovider::CloudInstance>& instances,
                                        Clock::TimePoint now, GarbageCollectionResult& result) {
  const auto claims = reader_.nodeClaims();  // held: the sets view their names
  NameSet launching, claimedIds;  // claims with no instance recorded; recorded ids
  for (const auto& c : claims) {
    if (c->providerId.empty()) {
      launching.insert(c->name);
    } else {
      claimedIds.insert(c->providerId);
    }
  }
  // Instances no claim knows: neither recorded by one nor tagged for one still launching. An
  // instance tagged for a claim that records another one is a second launch for that claim
  // (a create that ran twice): nothing will ever record it, so it goes like any orphan.
  std::vector<std::string> orphans;
  std::map<std::string, Clock::TimePoint> stillOrphan;
  for (const auto& i : instances) {
    if (claimedIds.contains(i.providerId) || launching.contains(i.nodeClaimName)) continue;
    Clock::TimePoint since = firstSeen(orphanSince_, stillOrphan, i.providerId, now);
    if (i.launchTime && *i.launchTime < since) since = *i.launchTime;
    if (now - since >= options_.gracePeriod) orphans.push_back(i.providerId);
  }
  orphanSince_ = std::move(stillOrphan);
  if (orphans.empty()) return;
  crashPoint("gc.before-orphan-terminate");
  auto statuses = cloud_.deleteInstances(orphans);
  for (size_t k = 0; k < orphans.size() && k < statuses.size(); ++k) {
    if (statuses[k].isOk() || statuses[k].isNotFound()) {
      ++result.instancesTerminated;
      orphanSince_.erase(orphans[k]);
      log().info("terminated orphan instance provider_id={}", orphans[k]);
    } else {
      log().warn("cannot terminate orphan instance provider_id={} error={}", orphans[k],
                 statuses[k].toString());
    }
  }
}

void GarbageCollector::collectClaims(const std::vector<cloudprovider::CloudInstance>& instances,
                                     Clock::TimePoint now, GarbageCollectionResult& result) {
  NameSet liveIds;
  for (const auto& i : instances) liveIds.insert(i.providerId);
  // Launched claims whose instance the cloud no longer lists.
  std::map<std::string, Clock::TimePoint> stillMissing;
  for (const auto& c : reader_.nodeClaims()) {
    if (c->deleting() || c->providerId.empty() || !c->isTrue(nc::kLaunched)) continue;
    if (liveIds.contains(c->providerId)) continue;
    if (now - firstSeen(missingSince_, stillMissing, c->name, now) < options_.gracePeriod) {
      continue;
    }
    Status deleted = writer_.deleteNodeClaim(c->name);
    if (!deleted.isOk() && !deleted.isNotFound()) {
      log().warn("cannot delete nodeclaim without instance name={} error={}", c->name,
                 deleted.toString());
      continue;
    }
    stillMissing.erase(c->name);
    ++result.claimsDeleted;
    log().info("deleted nodeclaim without instance name={} provider_id={}", c->name,
               c->providerId);
    events_.record({.kind = std::string(nc::kKind), .name = c->name, .uid = c->uid,
                    .apiVersion = std::string(nc::kApiVersion)},
                   kube::EventType::kWarning, "InstanceTerminated",
                   "Instance " + c->providerId + " no longer exists; deleting the NodeClaim");
  }
  missingSince_ = std::move(stillMissing);
}

void GarbageCollector::collectNodes(const std::vector<cloudprovider::CloudInstance>& instances,
                                    Clock::TimePoint now, GarbageCollectionResult& result) {
  const auto claims = reader_.nodeClaims();  // held: claimedNodes views their names
  NameSet ourIds, claimedNodes;
  for (const auto& i : instances) ourIds.insert(i.providerId);
  for (const auto& c : claims) {
    if (!c->nodeName.empty()) claimedNodes.insert(c->nodeName);
  }
  std::map<std::string, Clock::TimePoint> stillStray;
  for (const auto& node : reader_.nodes()) {
    if (node->providerId.empty() || claimedNodes.contains(node->name) ||
        reader_.nodeClaimByProviderId(node->providerId) != nullptr) {
      continue;
    }
    // Ours: launched by this cluster, or labelled by one of our NodePools (whose instance may
    // be gone already). Another cluster's nodes, or nodes nobody manages, are never touched.
    auto pool = node->labels.find(std::string(api::label::kNodePool));
    const bool ours = ourIds.contains(node->providerId) ||
                      (pool != node->labels.end() && reader_.nodePool(pool->second) != nullptr);
    if (!ours) continue;
    if (now - firstSeen(strayNodeSince_, stillStray, node->name, now) < options_.gracePeriod) {
      continue;
    }
    // Our finalizer would hold the Node for ever: no claim is left to remove it.
    if (auto raw = writer_.getNode(node->name)) {
      nlohmann::json patch = removeFinalizerPatch(*raw, nc::kTerminationFinalizer);
      if (!patch.empty()) {
        if (Status s = writer_.patchNode(node->name, patch); !s.isOk() && !s.isNotFound()) {
          log().warn("cannot release node without nodeclaim node={} error={}", node->name,
                     s.toString());
          continue;
        }
      }
    }
    crashPoint("gc.before-stray-node-delete");  // released, not deleted yet
    Status deleted = writer_.deleteNode(node->name);
    if (!deleted.isOk() && !deleted.isNotFound()) {
      log().warn("cannot delete node without nodeclaim node={} error={}", node->name,
                 deleted.toString());
      continue;
    }
    stillStray.erase(node->name);
    ++result.nodesDeleted;
    log().info("deleted node without nodeclaim node={} provider_id={}", node->name,
               node->providerId);
  }
  strayNodeSince_ = std::move(stillStray);
}

GarbageCollectionController::GarbageCollectionController(
    kube::ClusterCache& cache, kube::RestClient& client, cloudprovider::CloudProvider& cloud,
    kube::EventRecorder& events, Clock& clock, GarbageCollectionOptions options,
    prometheus::Registry* registry)
    : reader_(cache),
      writer_(client),
      collector_(reader_, writer_, cloud, events, clock, options),
      controller_(collector_, clock,
                  {.name = "nodeclaim-gc",
                   .initialBackoff = std::chrono::seconds(5),
                   .maxBackoff = std::chrono::minutes(5),
                   .registry = registry}) {}

}  // namespace gantry::provisioner::nodeclaim
