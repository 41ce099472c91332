#include "src/api/gpu_isolation.h"

namespace gantry::api {

std::string_view toString(GpuIsolation policy) {
  switch (policy) {
    case GpuIsolation::kBatch:
      return "batch";
    case GpuIsolation::kOff:
      return "off";
    case GpuIsolation::kStrict:
      break;
  }
  return "strict";
}

std::expected<GpuIsolation, std::string> parseGpuIsolation(std::string_view value) {
  if (value == "strict") return GpuIsolation::kStrict;
  if (value == "batch") return GpuIsolation::kBatch;
  if (value == "off") return GpuIsolation::kOff;
  return std::unexpected("must be strict, batch or off, not \"" + std::string(value) + "\"");
}

GpuIsolation gpuIsolationOf(const NodePool& pool) {
  auto it = pool.annotations.find(std::string(kGpuIsolationAnnotation));
  if (it == pool.annotations.end()) return GpuIsolation::kStrict;
  return parseGpuIsolation(it->second).value_or(GpuIsolation::kStrict);
}

}  // namespace gantry::api
