// `gantry plan` against a live cluster: connect with a kubeconfig, read the cluster
// (cluster_reader.h), optionally replace its NodePools with files, solve against the
// bundled catalog. The steps are separate so the CLI can tell a bad input (exit 2) from a
// cluster it cannot read (exit 1).
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "provisioner/plan/cluster_reader.h"
#include "provisioner/plan/plan_host.h"
#include "src/common/clock.h"
#include "src/kube/kubeconfig.h"

namespace gantry::provisioner {

// kubectl's --request-timeout syntax: a Go-style duration ("10s", "1m30s", "500ms", "1.5s";
// units ns, us, ms, s, m, h), or a bare whole number of seconds ("30"). "0" means no limit
// (returned as 0). kInvalid otherwise, with the accepted forms in the message.
Result<std::chrono::milliseconds> parseRequestTimeout(std::string_view text);

// Connects and reads. Never writes to the cluster. Each request waits at most
// `requestTimeout` for its answer (0: no limit); a GET that gets none is retried twice, as
// for a refused connection. Errors: any failure to reach or read the apiserver
// (kUnavailable, kUnauthorized, kForbidden, ...), the message starting with "cannot read the
// cluster at <server>: " and naming the call ("GET /api/v1/nodes"); a timeout adds
// "(no answer within --request-timeout <d>)". REQUIRES: clock outlives the call.
Result<ClusterState> readCluster(const kube::RestConfig& config, Clock& clock,
                                 api::InstanceTypesPtr catalog,
                                 std::chrono::milliseconds requestTimeout = std::chrono::seconds(10));

// Replaces the cluster's NodePools with those in `paths` (files or directories), their
// decode errors added to the state's (see loadNodePools: a repeated name is an error). Node
// classes in those files come before the cluster's, so a class of the same name there wins.
// Errors: kNotFound for a path that does not exist; kInvalid when the files hold no valid
// NodePool, naming the first error.
Status overrideNodePools(ClusterState& state, const std::vector<std::string>& paths);

// Solves the state's snapshot against `catalog`, each pool's nodes priced with their fixed
// cost when `nodeFixedCost` is given. Errors: the solver's (kInvalid).
Result<PlanReport> planCluster(ClusterState state, const api::InstanceTypes& catalog,
                               const std::string& region, const NodeFixedCost& nodeFixedCost = {});

}  // namespace gantry::provisioner
