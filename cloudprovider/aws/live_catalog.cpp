// The refresh loop of the live catalog. Refreshes are pulled (on read, when due) rather than
// pushed by a timer thread, so the controller, the CLI and unit tests with a fake clock all
// drive it the same way, and a process that never reads the catalog never calls AWS.
#include "cloudprovider/aws/live_catalog.h"

#include <set>

#include "cloudprovider/aws/transport/logging.h"
#include "cloudprovider/catalog/bundled_catalog.h"

namespace gantry::cloudprovider::aws {
namespace {

enum Part { kTypes = 0, kOnDemand = 1, kSpot = 2 };

// Both spellings EC2 uses for Linux spot prices; VPC-only accounts see the second.
const std::vector<std::string> kSpotProducts = {"Linux/UNIX", "Linux/UNIX (Amazon VPC)"};

bool due(const std::optional<Clock::TimePoint>& next, Clock::TimePoint now) {
  return !next || *next <= now;
}

}  // namespace

LiveCatalog::LiveCatalog(LiveCatalogOptions options, Ec2Api& ec2, PricingApi* pricing, Clock& clock)
    : options_(std::move(options)), ec2_(ec2), pricing_(pricing), clock_(clock) {
  // A region outside the bundle is fine: everything then comes from EC2 and Pricing.
  if (auto bundled = bundledInstanceTypes(options_.region, options_.catalog)) {
    bundled_ = *bundled;
  }
  if (pricing_ == nullptr) options_.skipPricing = true;
}

Status LiveCatalog::refreshTypes() {
  auto types = ec2_.describeInstanceTypes({});
  if (!types) return types.error().withContext("refresh instance types");
  auto offerings = ec2_.describeInstanceTypeOfferings({.locationType = "availability-zone"});
  if (!offerings) return offerings.error().withContext("refresh instance type offerings");
  inputs_.types = std::move(*types);
  inputs_.offerings = std::move(*offerings);
  haveTypes_ = true;
  awsLogger()->info("refreshed instance types region={} types={} offerings={}", options_.region,
                    inputs_.types.size(), inputs_.offerings.size());
  return Status::ok();
}

Status LiveCatalog::refreshOnDemand() {
  auto prices = pricing_->onDemandPrices(options_.region);
  if (!prices) return prices.error().withContext("refresh on-demand prices");
  awsLogger()->info("refreshed on-demand prices region={} types={}", options_.region,
                    prices->size());
  inputs_.onDemandPrices = std::move(*prices);
  return Status::ok();
}

Status LiveCatalog::refreshSpot() {
  std::set<std::string> zones;
  for (const InstanceTypeOffering& offering : inputs_.offerings) zones.insert(offering.location);
  std::vector<SpotPrice> prices;
  const Clock::TimePoint now = clock_.now();
  // One call per zone keeps each answer (and its pages) small; a start time of now asks for
  // the price in effect now, which is all the catalog needs.
  for (const std::string& zone : zones) {
    auto history =
        ec2_.describeSpotPriceHistory({.productDescriptions = kSpotProducts,
                                       .filters = {{.name = "availability-zone", .values = {zone}}},
                                       .startTime = now});
    if (!history) return history.error().withContext("refresh spot prices zone=" + zone);
    std::move(history->begin(), history->end(), std::back_inserter(prices));
  }
  awsLogger()->info("refreshed spot prices region={} zones={} prices={}", options_.region,
                    zones.size(), prices.size());
  inputs_.spotPrices = std::move(prices);
  return Status::ok();
}

Status LiveCatalog::refreshLocked(bool force) {
  const Clock::TimePoint now = clock_.now();
  Status first;
  bool changed = false;
  auto run = [&](Part part, std::optional<Clock::TimePoint>& next, Clock::Duration interval,
                 Status (LiveCatalog::*refreshPart)()) {
    if (!force && !due(next, now)) return;
    Status status = (this->*refreshPart)();
    {
      std::lock_guard lock(mu_);
      partErrors_[part] = status;
    }
    if (status.isOk()) {
      next = now + interval;
      changed = true;
      return;
    }
    next = now + options_.retryAfterFailure;
    // A refresh abandoned for shutdown is not worth a warning.
    awsLogger()->log(status.isCancelled() ? spdlog::level::debug : spdlog::level::warn,
                     "failed to refresh catalog region={} reason=\"{}\"", options_.region, status.toString());
    if (first.isOk()) first = status;
  };
  run(kTypes, nextTypes_, options_.typesInterval, &LiveCatalog::refreshTypes);
  // Prices are only worth fetching once we know what exists.
  if (haveTypes_ && !options_.skipPricing) {
    run(kOnDemand, nextOnDemand_, options_.onDemandInterval, &LiveCatalog::refreshOnDemand);
  }
  if (haveTypes_ && options_.spotPrices) {
    run(kSpot, nextSpot_, options_.spotInterval, &LiveCatalog::refreshSpot);
  }
  bool haveSnapshot = false;
  {
    std::lock_guard lock(mu_);
    haveSnapshot = snapshot_ != nullptr;
  }
  if (!haveTypes_ || (!changed && haveSnapshot)) return first;
  auto merged = mergeLiveCatalog(inputs_, bundled_.get(), options_.catalog);
  if (!merged) return first.isOk() ? merged.error() : first;
  std::lock_guard lock(mu_);
  snapshot_ = std::move(*merged);
  return first;
}

Result<api::InstanceTypesPtr> LiveCatalog::instanceTypes() {
  Status status;
  {
    std::lock_guard refreshing(refreshMu_);
    status = refreshLocked(/*force=*/false);
  }
  std::lock_guard lock(mu_);
  if (snapshot_) return snapshot_;
  if (!status.isOk()) return fail(status);
  return fail(partErrors_[kTypes].isOk()
                  ? Status::internal("live catalog for " + options_.region + " is empty")
                  : partErrors_[kTypes]);
}

Status LiveCatalog::refresh() {
  std::lock_guard refreshing(refreshMu_);
  return refreshLocked(/*force=*/true);
}

api::InstanceTypesPtr LiveCatalog::snapshot() const {
  std::lock_guard lock(mu_);
  return snapshot_;
}

Status LiveCatalog::lastError() const {
  std::lock_guard lock(mu_);
  for (const Status& status : partErrors_) {
    if (!status.isOk()) return status;
  }
  return Status::ok();
}

}  // namespace gantry::cloudprovider::aws
