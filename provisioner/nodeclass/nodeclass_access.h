// The EC2NodeClass status controller's reads and writes, behind two narrow seams (like the
// provisioner's ClusterWriter): reads come from the informer cache, the one write is a merge
// patch of the status subresource. Unit tests use fakes of both.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "src/api/ec2_nodeclass.h"
#include "src/common/status.h"
#include "src/kube/cluster_cache.h"
#include "src/kube/rest_client.h"

namespace gantry::provisioner::nodeclass {

class NodeClassReader {
 public:
  virtual ~NodeClassReader() = default;
  // Every EC2NodeClass known, in no particular order. Thread-safe.
  virtual std::vector<std::shared_ptr<const api::Ec2NodeClass>> nodeClasses() const = 0;
  // The EC2NodeClass named `name` (with the status last seen), or null when there is none.
  // Thread-safe.
  virtual std::shared_ptr<const api::Ec2NodeClass> nodeClass(const std::string& name) const = 0;
};

class NodeClassStatusWriter {
 public:
  virtual ~NodeClassStatusWriter() = default;
  // Replaces the status of the EC2NodeClass `name` with `status` (a JSON merge patch of the
  // status subresource carrying every field, api::encodeEc2NodeClassStatus). Repeatable.
  // Errors: the apiserver's (kNotFound once the object is gone, kInvalid when the CRD's
  // schema refuses the status). Thread-safe.
  virtual Status writeStatus(const std::string& name, const api::Ec2NodeClassStatus& status) = 0;
};

using NodeClassReaderPtr = std::unique_ptr<NodeClassReader>;
using NodeClassStatusWriterPtr = std::unique_ptr<NodeClassStatusWriter>;

// Over a ClusterCache built with gantryResources = true. With `onlyReferenced`, a class is
// seen only while a NodePool in the cache names it: a controller started with
// --nodepool-selector manages its own pools' classes and leaves other controllers' classes
// (another team's Gantry, or a parallel test run) alone. REQUIRES: the cache outlives it.
class CacheNodeClassReader final : public NodeClassReader {
 public:
  explicit CacheNodeClassReader(kube::ClusterCache& cache, bool onlyReferenced = false)
      : cache_(cache), onlyReferenced_(onlyReferenced) {}
  std::vector<std::shared_ptr<const api::Ec2NodeClass>> nodeClasses() const override;
  std::shared_ptr<const api::Ec2NodeClass> nodeClass(const std::string& name) const override;

 private:
  bool referenced(const std::string& name) const;

  kube::ClusterCache& cache_;
  const bool onlyReferenced_;
};

// Over a RestClient (gantry.dev/v1 ec2nodeclasses/<name>/status). REQUIRES: the client
// outlives it.
class KubeNodeClassStatusWriter final : public NodeClassStatusWriter {
 public:
  explicit KubeNodeClassStatusWriter(kube::RestClient& client) : client_(client) {}
  Status writeStatus(const std::string& name, const api::Ec2NodeClassStatus& status) override;

 private:
  kube::RestClient& client_;
};

}  // namespace gantry::provisioner::nodeclass
