// How EC2's own answers (DescribeInstanceTypes, DescribeInstanceTypeOfferings, Pricing,
// DescribeSpotPriceHistory) and the bundled catalog combine into one InstanceTypes snapshot.
// A pure function, kept apart from the refresh loop (live_catalog.h) so every rule of the
// merge is unit-tested without clocks or fakes.
#pragma once

#include <optional>
#include <vector>

#include "cloudprovider/aws/ec2/ec2_types.h"
#include "cloudprovider/aws/pricing/pricing_api.h"
#include "cloudprovider/catalog/instance_type_resolver.h"
#include "src/api/instance_type.h"
#include "src/common/status.h"

namespace gantry::cloudprovider::aws {

// What the live catalog learned from AWS for one region.
struct LiveCatalogInputs {
  std::vector<InstanceTypeInfo> types{};           // DescribeInstanceTypes
  std::vector<InstanceTypeOffering> offerings{};   // location type availability-zone
  std::optional<OnDemandPrices> onDemandPrices{};  // nullopt: Pricing not asked or failed
  std::vector<SpotPrice> spotPrices{};             // any order, any age; latest wins
};

// Builds the catalog of one region, sorted by name.
//
// Types: exactly those DescribeInstanceTypes lists that are offered in at least one zone and
// run amd64 or arm64 (x86_64 -> amd64; i386-only types are dropped). Bundled types EC2 does not
// list or offer are dropped. EC2's hardware facts win; the bundled type of the same name
// (`bundled`, may be null) fills what EC2 leaves empty: GPU/accelerator name, manufacturer and
// memory, the hypervisor, usage classes, and the ENI max-pods figure (the bundle carries EKS's
// published one; without it: maxEnis * (ipv4PerEni - 1) + 2, else 110). Capacity, overhead and
// labels then come from resolveInstanceType, so live and bundled types compute identically.
//
// Offerings per zone, on-demand before spot, for the usage classes the type supports:
//  - on-demand: the Pricing price (priceEstimated = false), else the bundled one (with its
//    priceEstimated flag); no price at all leaves the on-demand offering out;
//  - spot: the newest DescribeSpotPriceHistory price of that type and zone (priceEstimated =
//    false), else on-demand * options.spotPriceFraction (priceEstimated = true); left out when
//    neither exists.
// A type left with no offering is dropped. Every offering is available.
// Errors: kInvalid when `options` fails validateCatalogOptions. Deterministic, no I/O.
Result<api::InstanceTypesPtr> mergeLiveCatalog(const LiveCatalogInputs& inputs,
                                               const api::InstanceTypes* bundled,
                                               const CatalogOptions& options = {});

}  // namespace gantry::cloudprovider::aws
