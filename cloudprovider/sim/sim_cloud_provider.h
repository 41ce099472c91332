// The simulated cloud of `gantry simulate`: the CloudProvider seam over a fixed catalog (the
// bundled one of a region) and a Clock that the simulation host advances. Instances cost
// nothing but numbers: a launch picks the offering EC2 would (offering_order.h), becomes
// running after a launch latency per instance class, may hit a scripted capacity-error window
// (failing exactly as the EC2 provider fails, so the lifecycle reacts the same way), and a spot
// instance may be interrupted at a seeded random time. Everything is a function of the options,
// the seed and the sequence of calls with their clock readings: two runs give the same result.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "cloudprovider/cloud_provider.h"
#include "src/common/clock.h"

namespace gantry::cloudprovider::sim {

// While active, [from, until), every launch on this type (in `zone`, or in every zone when
// `zone` is empty) fails with a capacity error, on-demand and spot alike.
struct CapacityWindow {
  std::string instanceType{};
  std::string zone{};
  Clock::TimePoint from{};
  std::optional<Clock::TimePoint> until{};  // nullopt: to the end of the simulation

  bool activeAt(Clock::TimePoint t) const { return t >= from && (!until || t < *until); }
};

struct SimCloudOptions {
  uint64_t seed = 1;
  // From the create call until the instance is "running"; GPU = the type has GPUs.
  Clock::Duration cpuLaunchLatency = std::chrono::seconds(45);
  Clock::Duration gpuLaunchLatency = std::chrono::seconds(90);
  // Spot price as a share of the on-demand price of the same type and zone; nullopt keeps the
  // catalog's spot prices. Must be in (0, 1].
  std::optional<double> spotPriceRatio{};
  std::vector<CapacityWindow> capacityErrors{};
  // Mean interruptions per hour of one running spot instance (a Poisson process); 0: none.
  double spotInterruptionsPerHour = 0;
  // EC2 warns two minutes before it reclaims a spot instance.
  Clock::Duration interruptionNotice = std::chrono::minutes(2);
  // How long an offering that failed with a capacity error shows available=false
  // (the EC2 provider's unavailable-offerings TTL).
  Clock::Duration unavailableOfferingsTtl = std::chrono::minutes(3);
  // What each instance costs per hour besides its price (volumes, addresses): by the name of
  // its node class, else nodeFixedCostPerHour. Charged per instance-hour and reported by
  // nodeFixedCostPerHour(ref) so that the solver sees it too. The host prices them with the
  // real provider's table.
  double nodeFixedCostPerHour = 0;
  std::map<std::string, double, std::less<>> nodeFixedCostByClass{};
};

// A spot reclaim: the notice comes `interruptionNotice` before the instance is gone.
struct SpotInterruption {
  std::string providerId{};
  std::string nodeClaimName{};
  Clock::TimePoint noticeAt{};
  Clock::TimePoint interruptAt{};
};

// What one instance cost from its launch to its end (termination, reclaim, or `asOf`).
struct InstanceCost {
  std::string providerId{};
  std::string nodeClaimName{};
  std::string instanceType{};
  std::string zone{};
  api::CapacityType capacityType = api::CapacityType::kOnDemand;
  double pricePerHour = 0;       // the instance's price
  double fixedCostPerHour = 0;   // its node class's, as SimCloudOptions prices it
  Clock::TimePoint launchedAt{};
  Clock::TimePoint endedAt{};  // asOf for an instance still running then
  // (pricePerHour + fixedCostPerHour) x hours between launchedAt and endedAt
  double cost = 0;
};

// Thread-safe. `clock` must outlive the provider.
class SimCloudProvider final : public CloudProvider {
 public:
  // Sells `catalog` (with spot prices overridden by options.spotPriceRatio).
  // Errors: kInvalid naming the bad option (a ratio outside (0, 1], a negative rate or latency,
  // a capacity window on a type the catalog does not have or with until <= from).
  static Result<std::unique_ptr<SimCloudProvider>> make(SimCloudOptions options, Clock& clock,
                                                        api::InstanceTypesPtr catalog);
  // The same over the bundled catalog of `region` (kInvalid for a region it does not cover).
  static Result<std::unique_ptr<SimCloudProvider>> makeBundled(SimCloudOptions options,
                                                               Clock& clock,
                                                               std::string_view region);

  // CloudProvider. Launches record the instance as "pending" until its launch latency has
  // passed, "running" after; a capacity error marks each failing offering unavailable for
  // unavailableOfferingsTtl. deleteInstance ends the instance at once (the next call is
  // kNotFound); a reclaimed spot instance is gone (kNotFound) from its interruptAt on.
  // providerIDs look like "sim:///us-east-1a/i-00000000000000001".
  Result<CloudInstance> create(const CreateRequest& request) override;
  Result<std::vector<CloudInstance>> createGroup(const CreateGroupRequest& request) override;
  Status deleteInstance(std::string_view providerId) override;
  std::vector<Status> deleteInstances(const std::vector<std::string>& providerIds) override;
  Result<CloudInstance> get(std::string_view providerId) override;
  Result<std::vector<CloudInstance>> list() override;
  Result<api::InstanceTypesPtr> instanceTypes() override;
  // The simulated cloud has no node classes to drift from: always nullopt.
  Result<std::optional<std::string>> isDrifted(const CloudInstance& instance,
                                               const api::NodeClassRef& nodeClassRef) override;
  // SimCloudOptions::nodeFixedCostByClass[ref.name], else nodeFixedCostPerHour.
  double nodeFixedCostPerHour(const api::NodeClassRef& nodeClassRef) const override;
  std::string_view name() const override { return "sim"; }

  // Spot instances reclaimed at or before `t` (interruptAt <= t) that were not deleted first,
  // ordered by interruptAt, then providerID.
  std::vector<SpotInterruption> interruptedBy(Clock::TimePoint t) const;

  // Spot reclaims whose two-minute notice came at or before `t` (noticeAt <= t) on instances
  // not deleted before it, ordered by noticeAt, then providerID: what EventBridge would have
  // put on the interruption queue by then.
  std::vector<SpotInterruption> noticedBy(Clock::TimePoint t) const;

  // Shows the offering unavailable for unavailableOfferingsTtl from now, as a capacity error
  // does (the EC2 provider's UnavailableOfferings::mark, which the interruption controller
  // calls for a reclaimed spot offering).
  void markUnavailable(api::CapacityType capacityType, const std::string& instanceType,
                       const std::string& zone);

  // The earliest moment after `t` at which an instance becomes running, gets a reclaim
  // notice or is reclaimed: where a virtual clock may jump next. nullopt when none is due.
  std::optional<Clock::TimePoint> nextEventAfter(Clock::TimePoint t) const;

  // Every instance ever launched, in launch order, priced up to `asOf`.
  std::vector<InstanceCost> costs(Clock::TimePoint asOf) const;
  double totalCost(Clock::TimePoint asOf) const;

 private:
  struct Record {
    CloudInstance instance;  // state and launchTime as of the launch
    uint64_t sequence = 0;
    Clock::TimePoint runningAt{};
    std::optional<SpotInterruption> interruption{};
    std::optional<Clock::TimePoint> deletedAt{};
    double fixedCostPerHour = 0;  // of its node class, at launch
    // When the instance stops existing (deleted or reclaimed), if it does.
    std::optional<Clock::TimePoint> endsAt() const;
  };
  using OfferingKey = std::tuple<api::CapacityType, std::string, std::string>;

  SimCloudProvider(SimCloudOptions options, Clock& clock, api::InstanceTypesPtr catalog);
  // Reclaims whose `when` (notice or reclaim) is at or before `t`, on instances not deleted
  // before it, ordered by `when`, then providerID.
  std::vector<SpotInterruption> spotEventsBy(Clock::TimePoint t,
                                             Clock::TimePoint SpotInterruption::*when) const;

  // Launches `names.size()` instances on one offering, or none. REQUIRES: mu_ held.
  Result<std::vector<CloudInstance>> launchLocked(const std::vector<std::string>& names,
                                                  const std::string& nodePoolName,
                                                  const api::NodeClassRef& nodeClassRef,
                                                  const std::vector<api::InstanceType>& candidates,
                                                  const api::Labels& tags);
  bool blockedLocked(const std::string& type, const std::string& zone, Clock::TimePoint t) const;
  CloudInstance viewLocked(const Record& r, Clock::TimePoint now) const;
  Record* findLocked(std::string_view providerId);

  const SimCloudOptions options_;
  Clock& clock_;
  const api::InstanceTypesPtr catalog_;                     // spot prices already overridden
  std::map<std::string, const api::InstanceType*> byName_;  // into *catalog_

  mutable std::mutex mu_;
  std::vector<Record> records_;                               // GUARDED_BY(mu_), launch order
  std::map<std::string, size_t> byClaim_;                     // GUARDED_BY(mu_)
  std::map<std::string, size_t, std::less<>> byProviderId_;   // GUARDED_BY(mu_)
  std::map<std::string, std::vector<std::string>> byGroup_;   // GUARDED_BY(mu_): claim names
  std::map<OfferingKey, Clock::TimePoint> unavailableUntil_;  // GUARDED_BY(mu_)
};

using SimCloudProviderPtr = std::unique_ptr<SimCloudProvider>;

}  // namespace gantry::cloudprovider::sim
