// The EC2 instance catalog compiled into the binary: every amd64/arm64 instance type with a
// published price, its Kubernetes capacity, allocatable and labels, and its offerings in each
// bundled region. `gantry plan` and `gantry simulate` price and size nodes from it with no AWS
// access; the controller can fall back to it when DescribeInstanceTypes is unavailable.
//
// The data is a snapshot (see the header of bundled_catalog_data.cpp for its sources and what
// was left out); regenerate it with cloudprovider/catalog/generate_catalog.py.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "cloudprovider/catalog/instance_type_resolver.h"
#include "src/api/instance_type.h"
#include "src/common/status.h"

namespace gantry::cloudprovider {

// The regions the bundled data covers, sorted: "ap-southeast-1", "eu-west-1", "us-east-1",
// "us-west-2".
std::vector<std::string> bundledRegions();

// Builds the catalog of `region`: one InstanceType per type offered in at least one of its
// zones, sorted by name, with capacity/overhead/labels as resolveInstanceType describes.
//
// Offerings: one per zone (in zone order) x capacity type, on-demand before spot. On-demand
// exists when the type supports it; its price is the us-east-1 list price, exact in us-east-1
// and reused with priceEstimated = true elsewhere. Spot exists when the type supports it, priced
// at options.spotPriceFraction of on-demand, always priceEstimated = true. Every offering is
// available (nothing has failed yet).
//
// Returns Status::invalid listing the known regions when `region` is not bundled, or naming the
// bad field when `options` fails validateCatalogOptions. The result is a fresh immutable vector;
// the call is thread-safe and deterministic (same inputs, same output).
Result<api::InstanceTypesPtr> bundledInstanceTypes(std::string_view region,
                                              const CatalogOptions& options = {});

}  // namespace gantry::cloudprovider
