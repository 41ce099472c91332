// The NodePool used when the user gives none: what most clusters start with.
#include "src/api/nodepool.h"

#include "src/api/well_known_labels.h"

namespace gantry::api {

NodePool NodePool::defaultPool() {
  NodePool pool;
  pool.name = "default";
  pool.requirements = {
      Requirement{std::string(label::kOs), SelectorOp::kIn, {"linux"}},
      Requirement{std::string(label::kArch), SelectorOp::kIn, {"amd64"}},
      Requirement{std::string(label::kCapacityType), SelectorOp::kIn, {"on-demand"}},
      Requirement{std::string(label::kInstanceCurrentGeneration), SelectorOp::kIn, {"true"}},
  };
  pool.consolidateAfter = "30s";
  pool.expireAfter = "720h";
  return pool;
}

}  // namespace gantry::api
