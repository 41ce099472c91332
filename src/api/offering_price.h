// The catalog's hourly price of one offering (type, zone, capacity type), for code that knows
// a node by its labels: the gauges' cost of running nodes and consolidation's price of the
// nodes it may remove. 0 when the catalog does not sell that offering.
#pragma once

#include <string_view>

#include "src/api/instance_type.h"

namespace gantry::api {

inline double offeringPrice(const InstanceTypes& catalog, std::string_view type,
                            std::string_view zone, std::string_view capacityType) {
  for (const auto& t : catalog) {
    if (t.name != type) continue;
    for (const auto& o : t.offerings) {
      if (o.zone == zone && capacityTypeName(o.capacityType) == capacityType) {
        return o.pricePerHour;
      }
    }
  }
  return 0;
}

}  // namespace gantry::api
