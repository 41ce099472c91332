// The eviction dry run. The Eviction subresource honours deleteOptions.dryRun: the PDB check
// runs and a refusal is a 429 as for a real eviction, but nothing is deleted.
#include "provisioner/disruption/eviction_probe.h"

#include <nlohmann/json.hpp>

namespace gantry::provisioner::disruption {

Status KubeEvictionProbe::canEvict(const std::string& ns, const std::string& name) {
  const nlohmann::json eviction{{"apiVersion", "policy/v1"},
                                {"kind", "Eviction"},
                                {"metadata", {{"name", name}, {"namespace", ns}}},
                                {"deleteOptions", {{"dryRun", {"All"}}}}};
  auto r = client_.create(
      kube::ResourcePath{.resource = "pods", .ns = ns}.withName(name, "eviction"), eviction);
  return r ? Status::ok() : r.error();
}

}  // namespace gantry::provisioner::disruption
