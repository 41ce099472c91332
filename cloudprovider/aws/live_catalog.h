// The instance catalog of one region as EC2 reports it right now: types and zones from
// DescribeInstanceTypes/DescribeInstanceTypeOfferings, on-demand prices from the Pricing API,
// spot prices from DescribeSpotPriceHistory, merged with the bundled catalog (see
// live_catalog_merge.h) and refreshed on a clock. The controller and `gantry catalog --live`
// read it; `gantry plan` keeps the bundled catalog.
#pragma once

#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "cloudprovider/aws/ec2/ec2_api.h"
#include "cloudprovider/aws/live_catalog_merge.h"
#include "cloudprovider/aws/pricing/pricing_api.h"
#include "cloudprovider/catalog/instance_type_resolver.h"
#include "src/api/instance_type.h"
#include "src/common/clock.h"
#include "src/common/status.h"

namespace gantry::cloudprovider::aws {

struct LiveCatalogOptions {
  std::string region{};  // REQUIRED, e.g. "us-east-1"
  CatalogOptions catalog{};
  // Isolated VPCs have no route to the Pricing endpoint: never call it, price on demand from
  // the bundled table.
  bool skipPricing = false;
  // Without spot history, spot is estimated as on-demand * catalog.spotPriceFraction.
  bool spotPrices = true;
  Clock::Duration typesInterval = std::chrono::hours(1);
  Clock::Duration onDemandInterval = std::chrono::hours(12);
  Clock::Duration spotInterval = std::chrono::hours(1);
  // After a failed refresh of any part, the wait before that part is tried again.
  Clock::Duration retryAfterFailure = std::chrono::minutes(1);
};

class LiveCatalog {
 public:
  // `ec2`, `pricing` and `clock` must outlive this object; `pricing` may be null when
  // options.skipPricing. Nothing is fetched until the first instanceTypes() or refresh().
  LiveCatalog(LiveCatalogOptions options, Ec2Api& ec2, PricingApi* pricing, Clock& clock);

  // The current catalog: first refreshes, in this call, every part whose interval has passed
  // (types and zones hourly, on-demand prices every 12 h, spot prices hourly by default).
  // A part that fails keeps its last good data and is retried after retryAfterFailure; the
  // error is logged and kept in lastError(). Failed Pricing or spot calls fall back on bundled
  // prices or estimates (see mergeLiveCatalog), so only the types part can leave us empty.
  // Errors: the types part's error when no catalog was ever built. Thread-safe: concurrent
  // callers share one refresh; the returned snapshot is immutable.
  Result<api::InstanceTypesPtr> instanceTypes();

  // Refreshes every part now, whatever the schedule, and rebuilds the snapshot from what
  // succeeded. Returns the first error (ok when every part succeeded). Thread-safe.
  Status refresh();

  // The last snapshot built, without refreshing; null before the first success. Thread-safe.
  api::InstanceTypesPtr snapshot() const;
  // The error of a part whose latest attempt failed (types, then on-demand, then spot); ok
  // when the latest attempt of every part succeeded. Thread-safe.
  Status lastError() const;

 private:
  // Each refreshes one part into the inputs; on failure the inputs keep their old value.
  // REQUIRES: refreshMu_ held.
  Status refreshTypes();
  Status refreshOnDemand();
  Status refreshSpot();
  // Runs the due parts (all when `force`), then rebuilds the snapshot. REQUIRES: refreshMu_.
  Status refreshLocked(bool force);

  LiveCatalogOptions options_;
  Ec2Api& ec2_;
  PricingApi* pricing_;
  Clock& clock_;
  api::InstanceTypesPtr bundled_;  // null when the region is not bundled

  // Serialises refreshes; guards everything below down to the next comment.
  std::mutex refreshMu_;
  LiveCatalogInputs inputs_;
  bool haveTypes_ = false;
  std::optional<Clock::TimePoint> nextTypes_, nextOnDemand_, nextSpot_;  // nullopt: now

  // Guards the published state; never held across I/O.
  mutable std::mutex mu_;
  api::InstanceTypesPtr snapshot_;
  std::vector<Status> partErrors_ = std::vector<Status>(3);  // types, on-demand, spot
};

}  // namespace gantry::cloudprovider::aws
