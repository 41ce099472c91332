// Reads what `gantry plan --kubeconfig` plans for from a live cluster: the pods the scheduler
// gave up on, the Nodes with what is already bound to them, in-flight NodeClaims, NodePools
// and DaemonSets. Read-only by construction: it only ever lists (GET), a page at a time.
#pragma once

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "binpack/snapshot.h"
#include "src/api/instance_type.h"
#include "src/common/status.h"
#include "src/kube/rest_client.h"
#include "src/workload/workload.h"

namespace gantry::provisioner {

struct ClusterState {
  // pods: the provisionable pending pods only (pending_pods.h);
  // nodes: every Node, with `requested`/`pods` of the non-terminal pods bound or nominated
  //        to it, then in-flight NodeClaims (inFlight = true) that have no Node yet;
  // daemonSets, nodePools (gantry.dev/v1, then karpenter.sh/v1 pools of other names; empty
  //        when neither is served or none exists), nodeClasses (the same way: gantry.dev, then
  //        karpenter.k8s.aws EC2NodeClasses);
  // errors: objects that could not be decoded (source = the server, object "Kind ns/name").
  workload::Workload workload;
  // Capacity of Nodes and in-flight claims per NodePool, plus the "nodes" count.
  std::map<std::string, api::ResourceList, std::less<>> nodePoolUsage;
  size_t podsListed = 0;   // non-terminal pods listed and decoded
  size_t claimsInFlight = 0;
};

struct ClusterReaderOptions {
  std::string source;  // names the cluster in error entries: the server URL
  int pageSize = 500;  // list limit; the rest follows with `continue`
  // Sizes in-flight NodeClaims that have no status.allocatable yet; may be null.
  api::InstanceTypesPtr catalog;
};

class ClusterReader {
 public:
  // REQUIRES: client outlives the reader. Not thread-safe (one read at a time).
  ClusterReader(kube::RestClient& client, ClusterReaderOptions options);

  // Lists Nodes, Pods, DaemonSets, NodePools, EC2NodeClasses and NodeClaims, in that order,
  // and assembles them. A NodePool, EC2NodeClass or NodeClaim list answered 404 (CRD not
  // installed) counts as empty.
  // Objects that fail to decode become ClusterState::workload.errors entries; the rest is
  // read. Errors: the first failed list (kUnauthorized, kForbidden, kUnavailable, kGone...),
  // its message naming the request.
  Result<ClusterState> read();

 private:
  // Every item of a collection. `optional`: a 404 (resource not served) is an empty list.
  Result<std::vector<nlohmann::json>> list(const kube::ResourcePath& path,
                                           const std::string& fieldSelector, bool optional);

  kube::RestClient& client_;
  ClusterReaderOptions options_;
};

// The solver snapshot for a cluster: snapshotOf(state.workload, region) plus the NodePool
// usage that limits count against.
binpack::Snapshot snapshotOf(const ClusterState& state, const std::string& region);

}  // namespace gantry::provisioner
