// Garbage collection passes. The first-seen maps make the grace period hold even for
// instances without a launch time and across claims that flap in the cache.
#include "provisioner/nodeclaim/garbage_collector.h"

#include <spdlog/spdlog.h>

#include <set>

#include "src/common/logging.h"

namespace gantry::provisioner::nodeclaim {

namespace {
namespace nc = api::nodeclaim;

spdlog::logger& log() {
  static auto logger = componentLogger("nodeclaim-gc");
  return *logger;
}
}  // namespace

GarbageCollector::GarbageCollector(LifecycleReader& reader, LifecycleWriter& writer,
                                   cloudprovider::CloudProvider& cloud,
                                   kube::EventRecorder& events, Clock& clock,
                                   GarbageCollectionOptions options)
    : reader_(reader), writer_(writer), cloud_(cloud), events_(events), clock_(clock),
      options_(options) {}

Result<GarbageCollectionResult> GarbageCollector::collect() {
  auto instances = cloud_.list();
  if (!instances) return fail(instances.error());
  const auto now = clock_.now();
  const auto claims = reader_.nodeClaims();
  GarbageCollectionResult result;

  std::set<std::string> claimNames, claimedIds, liveIds;
  for (const auto& c : claims) {
    claimNames.insert(c->name);
    if (!c->providerId.empty()) claimedIds.insert(c->providerId);
  }

  // Instances no claim knows, by providerID or by the claim name tagged at launch.
  std::vector<std::string> orphans;
  std::map<std::string, Clock::TimePoint> stillOrphan;
  for (const auto& i : *instances) {
    liveIds.insert(i.providerId);
    if (claimedIds.contains(i.providerId) || claimNames.contains(i.nodeClaimName)) continue;
    auto seen = orphanSince_.find(i.providerId);
    Clock::TimePoint since = seen != orphanSince_.end() ? seen->second : now;
    if (i.launchTime && *i.launchTime < since) since = *i.launchTime;
    stillOrphan[i.providerId] = since;
    if (now - since >= options_.gracePeriod) orphans.push_back(i.providerId);
  }
  orphanSince_ = std::move(stillOrphan);
  if (!orphans.empty()) {
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

  // Launched claims whose instance the cloud no longer lists.
  std::map<std::string, Clock::TimePoint> stillMissing;
  for (const auto& c : claims) {
    if (c->deleting() || c->providerId.empty() || !c->isTrue(nc::kLaunched)) continue;
    if (liveIds.contains(c->providerId)) continue;
    auto seen = missingSince_.find(c->name);
    const Clock::TimePoint since = seen != missingSince_.end() ? seen->second : now;
    stillMissing[c->name] = since;
    if (now - since < options_.gracePeriod) continue;
    Status deleted = writer_.deleteNodeClaim(c->name);
    if (!deleted.isOk() && !deleted.isNotFound()) {
      log().warn("cannot delete nodeclaim without instance name={} error={}", c->name,
                 deleted.toString());
      continue;
    }
    stillMissing.erase(c->name);
    ++result.claimsDeleted;
    log().info("deleted nodeclaim without instance name={} provider_id={}", c->name, c->providerId);
    events_.record({.kind = std::string(nc::kKind), .name = c->name, .uid = c->uid,
                    .apiVersion = std::string(nc::kApiVersion)},
                   kube::EventType::kWarning, "InstanceTerminated",
                   "Instance " + c->providerId + " no longer exists; deleting the NodeClaim");
  }
  missingSince_ = std::move(stillMissing);
  return result;
}

}  // namespace gantry::provisioner::nodeclaim
