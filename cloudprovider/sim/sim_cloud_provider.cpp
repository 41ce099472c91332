// Launching, finding and terminating simulated instances. Capacity errors are reported the
// way the EC2 provider reports them (kInsufficientCapacity naming each pool, the pools marked
// unavailable), because the point of the simulation is that the lifecycle's fallback code runs
// unchanged against it.
#include "cloudprovider/sim/sim_cloud_provider.h"

#include <algorithm>
#include <cstdio>

#include "cloudprovider/catalog/bundled_catalog.h"
#include "cloudprovider/sim/offering_order.h"
#include "src/common/seeded_random.h"

namespace gantry::cloudprovider::sim {

namespace {

constexpr std::string_view kProviderIdPrefix = "sim:///";

std::string instanceIdFor(uint64_t sequence) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "i-%017llx", static_cast<unsigned long long>(sequence));
  return buf;
}

Status validate(const SimCloudOptions& o, const api::InstanceTypes& catalog) {
  if (o.spotPriceRatio && !(*o.spotPriceRatio > 0 && *o.spotPriceRatio <= 1)) {
    return Status::invalid("spotPriceRatio must be in (0, 1], got " +
                           std::to_string(*o.spotPriceRatio));
  }
  if (!(o.spotInterruptionsPerHour >= 0)) {
    return Status::invalid("spotInterruptionsPerHour must be >= 0");
  }
  if (!(o.nodeFixedCostPerHour >= 0)) {
    return Status::invalid("nodeFixedCostPerHour must be >= 0");
  }
  for (const auto& [name, cost] : o.nodeFixedCostByClass) {
    if (!(cost >= 0)) return Status::invalid("nodeFixedCostByClass[" + name + "] must be >= 0");
  }
  if (o.cpuLaunchLatency < Clock::Duration::zero() ||
      o.gpuLaunchLatency < Clock::Duration::zero()) {
    return Status::invalid("launch latencies must not be negative");
  }
  for (size_t i = 0; i < o.capacityErrors.size(); ++i) {
    const auto& w = o.capacityErrors[i];
    const std::string where = "capacityErrors[" + std::to_string(i) + "]";
    const bool known = std::any_of(catalog.begin(), catalog.end(), [&](const api::InstanceType& t) {
      return t.name == w.instanceType;
    });
    if (!known) {
      return Status::invalid(where + ".instanceType: \"" + w.instanceType +
                             "\" is not in the catalog");
    }
    if (w.until && *w.until <= w.from) return Status::invalid(where + ".until must be after from");
  }
  return Status::ok();
}

// Spot at `ratio` of the on-demand price of the same type and zone (kept when there is none).
api::InstanceTypes withSpotRatio(const api::InstanceTypes& catalog, double ratio) {
  api::InstanceTypes out = catalog;
  for (auto& type : out) {
    for (auto& o : type.offerings) {
      if (o.capacityType != api::CapacityType::kSpot) continue;
      for (const auto& od : type.offerings) {
        if (od.capacityType == api::CapacityType::kOnDemand && od.zone == o.zone) {
          o.pricePerHour = od.pricePerHour * ratio;
        }
      }
    }
  }
  return out;
}

// Hours as a clock duration, rounded to the millisecond so that reports read cleanly.
Clock::Duration hours(double h) {
  return std::chrono::round<std::chrono::milliseconds>(
      std::chrono::duration<double, std::ratio<3600>>(h));
}

}  // namespace

std::optional<Clock::TimePoint> SimCloudProvider::Record::endsAt() const {
  std::optional<Clock::TimePoint> end = deletedAt;
  if (interruption && (!end || interruption->interruptAt < *end)) end = interruption->interruptAt;
  return end;
}

Result<std::unique_ptr<SimCloudProvider>> SimCloudProvider::make(SimCloudOptions options,
                                                                 Clock& clock,
                                                                 api::InstanceTypesPtr catalog) {
  if (!catalog) return fail(Status::invalid("no catalog"));
  if (Status s = validate(options, *catalog); !s.isOk()) return fail(s);
  if (options.spotPriceRatio) {
    catalog = std::make_shared<const api::InstanceTypes>(
        withSpotRatio(*catalog, *options.spotPriceRatio));
  }
  return std::unique_ptr<SimCloudProvider>(
      new SimCloudProvider(std::move(options), clock, catalog));
}

Result<std::unique_ptr<SimCloudProvider>> SimCloudProvider::makeBundled(SimCloudOptions options,
                                                                        Clock& clock,
                                                                        std::string_view region) {
  auto catalog = bundledInstanceTypes(region);
  if (!catalog) return fail(catalog.error());
  return make(std::move(options), clock, *catalog);
}

SimCloudProvider::SimCloudProvider(SimCloudOptions options, Clock& clock,
                                   api::InstanceTypesPtr catalog)
    : options_(std::move(options)), clock_(clock), catalog_(std::move(catalog)) {
  for (const auto& t : *catalog_) byName_.emplace(t.name, &t);
}

bool SimCloudProvider::blockedLocked(const std::string& type, const std::string& zone,
                                     Clock::TimePoint t) const {
  return std::any_of(
      options_.capacityErrors.begin(), options_.capacityErrors.end(), [&](const CapacityWindow& w) {
        return w.instanceType == type && (w.zone.empty() || w.zone == zone) && w.activeAt(t);
      });
}

Result<std::vector<CloudInstance>> SimCloudProvider::launchLocked(
    const std::vector<std::string>& names, const std::string& nodePoolName,
    const api::NodeClassRef& nodeClassRef, const std::vector<api::InstanceType>& candidates,
    const api::Labels& tags) {
  if (names.empty() || candidates.empty()) {
    return fail(Status::invalid("no candidate instance types or no NodeClaim name"));
  }
  if (nodeClassRef.name.empty()) return fail(Status::invalid("nodeClassRef.name is required"));
  const Clock::TimePoint now = clock_.now();
  auto usable = [&](const api::InstanceType& type, const api::Offering& o) {
    auto it = unavailableUntil_.find({o.capacityType, type.name, o.zone});
    return o.available && (it == unavailableUntil_.end() || it->second <= now);
  };
  // The simulated market's price (spot overridden), else what the request says.
  auto price = [&](const api::InstanceType& type, const api::Offering& o) {
    if (auto it = byName_.find(type.name); it != byName_.end()) {
      for (const auto& own : it->second->offerings) {
        if (own.zone == o.zone && own.capacityType == o.capacityType) return own.pricePerHour;
      }
    }
    return o.pricePerHour;
  };
  const auto slots = orderOfferings(candidates, usable, price);
  std::string failures;
  for (const auto& slot : slots) {
    if (blockedLocked(slot.instanceType, slot.zone, now)) {
      unavailableUntil_[{slot.capacityType, slot.instanceType, slot.zone}] =
          now + options_.unavailableOfferingsTtl;
      failures += (failures.empty() ? "" : "; ") + slot.instanceType + "/" + slot.zone + "/" +
                  std::string(api::capacityTypeName(slot.capacityType)) +
                  ": InsufficientInstanceCapacity";
      continue;
    }
    const api::InstanceType& type = candidates[slot.candidateIndex];
    const auto latency = type.gpu ? options_.gpuLaunchLatency : options_.cpuLaunchLatency;
    std::vector<CloudInstance> out;
    for (const auto& name : names) {
      Record r;
      r.sequence = records_.size() + 1;
      r.runningAt = now + latency;
      r.fixedCostPerHour = nodeFixedCostPerHour(nodeClassRef);
      r.instance = {.instanceId = instanceIdFor(r.sequence),
                    .instanceType = slot.instanceType,
                    .zone = slot.zone,
                    .capacityType = slot.capacityType,
                    .pricePerHour = slot.pricePerHour,
                    .capacity = type.capacity,
                    .imageId = "sim-image",
                    .state = "pending",
                    .nodeClaimName = name,
                    .nodePoolName = nodePoolName,
                    .launchTime = now,
                    .tags = tags};
      r.instance.providerId =
          std::string(kProviderIdPrefix) + slot.zone + "/" + r.instance.instanceId;
      if (slot.capacityType == api::CapacityType::kSpot && options_.spotInterruptionsPerHour > 0) {
        // One stream per instance: its reclaim time depends on the seed and its launch
        // order only, not on how often anyone asked about other instances.
        SeededRandom rng(SeededRandom::derive(options_.seed, r.sequence));
        const double afterHours = rng.exponential(options_.spotInterruptionsPerHour);
        if (afterHours < 24.0 * 365 * 10) {  // beyond any simulation, and beyond int64 overflow
          const auto noticeAt = r.runningAt + hours(afterHours);
          r.interruption = SpotInterruption{.providerId = r.instance.providerId,
                                            .nodeClaimName = name,
                                            .noticeAt = noticeAt,
                                            .interruptAt = noticeAt + options_.interruptionNotice};
        }
      }
      byClaim_[name] = records_.size();
      byProviderId_[r.instance.providerId] = records_.size();
      out.push_back(viewLocked(r, now));
      records_.push_back(std::move(r));
    }
    return out;
  }
  std::string typeNames;
  for (const auto& t : candidates) typeNames += (typeNames.empty() ? "" : ",") + t.name;
  if (failures.empty()) {
    return fail(Status::insufficientCapacity("no launchable offering for types [" + typeNames +
                                             "]: every allowed offering is unavailable"));
  }
  return fail(
      Status::insufficientCapacity("no capacity for types [" + typeNames + "]: " + failures));
}

Result<CloudInstance> SimCloudProvider::create(const CreateRequest& request) {
  std::lock_guard lock(mu_);
  if (auto it = byClaim_.find(request.nodeClaimName); it != byClaim_.end()) {
    return viewLocked(records_[it->second], clock_.now());  // idempotent per NodeClaim
  }
  auto r = launchLocked({request.nodeClaimName}, request.nodePoolName, request.nodeClassRef,
                        request.instanceTypes, request.tags);
  if (!r) return fail(r.error());
  return r->front();
}

Result<std::vector<CloudInstance>> SimCloudProvider::createGroup(
    const CreateGroupRequest& request) {
  std::lock_guard lock(mu_);
  if (request.groupName.empty()) return fail(Status::invalid("groupName is required"));
  if (auto it = byGroup_.find(request.groupName); it != byGroup_.end()) {
    std::vector<CloudInstance> out;
    for (const auto& name : it->second)
      out.push_back(viewLocked(records_[byClaim_.at(name)], clock_.now()));
    return out;
  }
  for (const auto& name : request.nodeClaimNames) {
    if (byClaim_.contains(name)) {
      return fail(
          Status::invalid("NodeClaim " + name + " already has an instance outside the group"));
    }
  }
  auto r = launchLocked(request.nodeClaimNames, request.nodePoolName, request.nodeClassRef,
                        request.instanceTypes, request.tags);
  if (!r) return fail(r.error());
  byGroup_[request.groupName] = request.nodeClaimNames;
  return r;
}

CloudInstance SimCloudProvider::viewLocked(const Record& r, Clock::TimePoint now) const {
  CloudInstance out = r.instance;
  const auto end = r.endsAt();
  if (end && *end <= now) {
    out.state = "terminated";
  } else if (r.deletedAt) {
    out.state = "shutting-down";
  } else {
    out.state = now >= r.runningAt ? "running" : "pending";
  }
  return out;
}

SimCloudProvider::Record* SimCloudProvider::findLocked(std::string_view providerId) {
  auto it = byProviderId_.find(providerId);
  return it == byProviderId_.end() ? nullptr : &records_[it->second];
}

Status SimCloudProvider::deleteInstance(std::string_view providerId) {
  if (!providerId.starts_with(kProviderIdPrefix)) {
    return Status::invalid("not a simulated providerID: \"" + std::string(providerId) + "\"");
  }
  std::lock_guard lock(mu_);
  const auto now = clock_.now();
  Record* r = findLocked(providerId);
  if (r == nullptr) return Status::notFound("no instance " + std::string(providerId));
  if (auto end = r->endsAt(); end && *end <= now) {
    return Status::notFound("instance " + std::string(providerId) + " is terminated");
  }
  r->deletedAt = now;  // the simulated cloud shuts down at once
  return Status::ok();
}

std::vector<Status> SimCloudProvider::deleteInstances(const std::vector<std::string>& providerIds) {
  std::vector<Status> out;
  out.reserve(providerIds.size());
  for (const auto& id : providerIds) out.push_back(deleteInstance(id));
  return out;
}

Result<CloudInstance> SimCloudProvider::get(std::string_view providerId) {
  if (!providerId.starts_with(kProviderIdPrefix)) {
    return fail(Status::invalid("not a simulated providerID: \"" + std::string(providerId) + "\""));
  }
  std::lock_guard lock(mu_);
  const auto now = clock_.now();
  Record* r = findLocked(providerId);
  if (r == nullptr) return fail(Status::notFound("no instance " + std::string(providerId)));
  CloudInstance view = viewLocked(*r, now);
  if (view.state == "terminated") {
    return fail(Status::notFound("instance " + std::string(providerId) + " is terminated"));
  }
  return view;
}

double SimCloudProvider::nodeFixedCostPerHour(const api::NodeClassRef& nodeClassRef) const {
  auto it = options_.nodeFixedCostByClass.find(nodeClassRef.name);
  return it == options_.nodeFixedCostByClass.end() ? options_.nodeFixedCostPerHour : it->second;
}

Result<std::vector<CloudInstance>> SimCloudProvider::list() {
  std::lock_guard lock(mu_);
  const auto now = clock_.now();
  // Ended instances pile up over a simulated day: skip them before copying anything.
  auto live = [now](const auto& r) {
    auto end = r.endsAt();
    return !end || *end > now;
  };
  std::vector<CloudInstance> out;
  out.reserve(static_cast<size_t>(std::count_if(records_.begin(), records_.end(), live)));
  for (const auto& r : records_) {
    if (live(r)) out.push_back(viewLocked(r, now));
  }
  return out;
}

Result<api::InstanceTypesPtr> SimCloudProvider::instanceTypes() {
  std::lock_guard lock(mu_);
  const auto now = clock_.now();
  bool anyMarked = false;
  for (const auto& [key, until] : unavailableUntil_) anyMarked = anyMarked || until > now;
  if (!anyMarked) return catalog_;
  auto out = std::make_shared<api::InstanceTypes>(*catalog_);
  for (auto& type : *out) {
    for (auto& o : type.offerings) {
      auto it = unavailableUntil_.find({o.capacityType, type.name, o.zone});
      if (it != unavailableUntil_.end() && it->second > now) o.available = false;
    }
  }
  return api::InstanceTypesPtr(std::move(out));
}

Result<std::optional<std::string>> SimCloudProvider::isDrifted(const CloudInstance&,
                                                               const api::NodeClassRef&) {
  return std::optional<std::string>{};
}

}  // namespace gantry::cloudprovider::sim
