// The NodeClaim for one planned node: what provisioning creates for each node of a plan, and
// what consolidation creates for a replacement, built in one place so both launch alike. A
// claim carries everything its launch needs (the instance types no dearer than the plan's
// choice, the zones and capacity type, the NodePool's template), so the lifecycle can launch
// it with nothing but the claim.
#pragma once

#include <optional>
#include <string>

#include "binpack/snapshot.h"
#include "src/api/instance_type.h"
#include "src/api/nodeclaim.h"
#include "src/api/nodepool.h"

namespace gantry::provisioner {

// Five random lowercase letters and digits, for claim and launch-group names.
std::string randomNameSuffix();

// The node class reference a claim of `pool` carries (and the cloud prices the pool's nodes by).
api::NodeClassRef nodeClassRefOf(const api::NodePool& pool);

// The claim for `node` of `pool` (name "<pool>-<suffix>", not created). nullopt when no
// instance type of node.instanceTypeOptions is offered in the plan's zones and capacity type
// at or below the plan's price. A gang node gets the solver's gang name annotated; the
// caller names its launch group. Pure but for the random name.
std::optional<api::NodeClaim> buildNodeClaim(const binpack::PlannedNode& node,
                                             const api::NodePool& pool,
                                             const api::InstanceTypes& catalog);

}  // namespace gantry::provisioner
