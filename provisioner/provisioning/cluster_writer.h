// The provisioner's writes to the cluster, behind a narrow seam (the "cluster writer" of
// DESIGN.md): unit tests use a fake that keeps state; KubeClusterWriter sends them through
// the kube RestClient. Reads come from the informer cache instead.
#pragma once

#include <memory>
#include <string>

#include "src/api/condition.h"
#include "src/api/nodeclaim.h"
#include "src/common/status.h"
#include "src/kube/rest_client.h"

namespace gantry::provisioner {

class ClusterWriter {
 public:
  virtual ~ClusterWriter() = default;

  // Creates a NodeClaim (metadata.generateName allowed) and returns what the server stored
  // (name, uid, resourceVersion set). Errors: the apiserver's (kAlreadyExists, kInvalid...).
  virtual Result<api::NodeClaim> createNodeClaim(const api::NodeClaim& claim) = 0;

  // Merges `claim.labels` into the stored claim's labels, then writes its whole status
  // (api::nodeClaimStatusPatch). Returns the stored claim. Errors: kNotFound, kConflict.
  virtual Result<api::NodeClaim> updateNodeClaim(const api::NodeClaim& claim) = 0;

  // Deletes a claim whose instance never launched: removes the gantry.dev/termination
  // finalizer, then deletes. OK when already gone.
  virtual Status deleteNodeClaim(const std::string& name) = 0;


  // Sets one condition in a NodePool's status (read, set, write with the resourceVersion).
  // Errors: the apiserver's.
  virtual Status setNodePoolCondition(const std::string& pool, const api::Condition& condition) = 0;
};

using ClusterWriterPtr = std::unique_ptr<ClusterWriter>;

// Over a RestClient (gantry.dev/v1 nodeclaims, ec2nodeclasses, nodepools). Thread-safe like
// the client. REQUIRES: client outlives the writer.
class KubeClusterWriter final : public ClusterWriter {
 public:
  explicit KubeClusterWriter(kube::RestClient& client) : client_(client) {}

  Result<api::NodeClaim> createNodeClaim(const api::NodeClaim& claim) override;
  Result<api::NodeClaim> updateNodeClaim(const api::NodeClaim& claim) override;
  Status deleteNodeClaim(const std::string& name) override;
  Status setNodePoolCondition(const std::string& pool, const api::Condition& condition) override;

 private:
  kube::RestClient& client_;
};

}  // namespace gantry::provisioner
