// The cloud seam (Karpenter's cloudprovider.CloudProvider): what the provisioner, the
// disruption controllers and garbage collection need from a cloud, as value types only.
// Ec2CloudProvider implements it over EC2; the simulated cloud and unit-test fakes do too;
// MeteredCloudProvider wraps any of them with metrics and logs.
// Provider-neutral: node classes are named by the NodeClaim's reference only, and each
// provider looks its own node-class kind up (the EC2 one through a lookup seam), as
// Karpenter's providers do. What a node class resolves to is a provider's own extension
// (cloudprovider/aws/nodeclass_status_resolver.h), not part of this seam.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "src/api/instance_type.h"
#include "src/api/labels.h"
#include "src/api/nodeclaim.h"
#include "src/api/resources.h"
#include "src/common/clock.h"
#include "src/common/status.h"

namespace gantry::cloudprovider {

// One launch: the capacity of one NodeClaim.
struct CreateRequest {
  std::string nodeClaimName{};  // REQUIRED; the idempotency key of the launch
  std::string nodePoolName{};   // REQUIRED
  // REQUIRED: the NodeClaim's spec.nodeClassRef; the provider resolves it itself.
  api::NodeClassRef nodeClassRef{};
  // Candidates, cheapest first. Each type's `offerings` lists only the offerings the
  // NodeClaim allows (zones x capacity types), with catalog prices; `capacity` is copied into
  // the result.
  std::vector<api::InstanceType> instanceTypes{};
  api::Labels tags{};  // extra tags for the instance and its volumes
};

// An all-or-nothing gang: `nodeClaimNames.size()` instances of one type in one zone, or none.
struct CreateGroupRequest {
  std::string groupName{};                  // REQUIRED; idempotency key of the whole group
  std::vector<std::string> nodeClaimNames{};  // REQUIRED, one per instance
  std::string nodePoolName{};
  api::NodeClassRef nodeClassRef{};  // REQUIRED, as in CreateRequest
  std::vector<api::InstanceType> instanceTypes{};  // as in CreateRequest
  api::Labels tags{};
};

// A launched (or found) instance.
struct CloudInstance {
  std::string instanceId{};    // the cloud's own id for it ("i-0abc..." on EC2)
  std::string providerId{};    // as the Node's spec.providerID carries it; opaque here
  std::string instanceType{};  // "g5.xlarge"
  std::string zone{};
  api::CapacityType capacityType = api::CapacityType::kOnDemand;
  double pricePerHour = 0;      // from the catalog offering; 0 when unknown (get/list)
  api::ResourceList capacity{};  // from the catalog; empty when unknown (get/list)
  std::string imageId{};
  std::string subnetId{};
  std::string state{};  // pending | running | shutting-down | terminated | stopping | stopped
  std::string nodeClaimName{};
  std::string nodePoolName{};
  std::optional<Clock::TimePoint> launchTime{};
  api::Labels tags{};
};

class CloudProvider {
 public:
  virtual ~CloudProvider() = default;

  // Launches the capacity of one NodeClaim on the first candidate offering that has room,
  // preferring cheaper ones, and returns it.
  // Idempotent per nodeClaimName: a retry after a crash or timeout returns the instance
  // already launched for that claim instead of launching a second one.
  // Errors: kInvalid (no name, no candidates, a node class that resolves to no subnet,
  // security group or image); kNotFound when the referenced node class does not exist; kInsufficientCapacity when no offering could launch (the
  // message names each type/zone/capacity type that failed and why; those offerings are
  // marked unavailable for a while, so instanceTypes() shows them and the caller re-plans);
  // kThrottled/kUnavailable after the cloud's own retries; kUnauthorized/kForbidden.
  // Thread-safe.
  virtual Result<CloudInstance> create(const CreateRequest& request) = 0;

  // Launches a gang: all instances in one zone with one type, or none (on failure nothing
  // is left running). Idempotent per groupName. Results are in nodeClaimNames order.
  // Errors as create(). Thread-safe.
  virtual Result<std::vector<CloudInstance>> createGroup(const CreateGroupRequest& request) = 0;

  // Terminates the instance behind a providerID. Repeatable: OK while it is terminating,
  // kNotFound once it is gone (terminated or unknown). kInvalid for a malformed providerID.
  // Thread-safe.
  virtual Status deleteInstance(std::string_view providerId) = 0;

  // deleteInstance for many at once (batched into few cloud calls). One Status per id, in
  // order, with deleteInstance's meaning. Thread-safe.
  virtual std::vector<Status> deleteInstances(const std::vector<std::string>& providerIds) = 0;

  // The instance behind a providerID, in any state but terminated.
  // Errors: kNotFound (gone or unknown), kInvalid (malformed providerID). Thread-safe.
  virtual Result<CloudInstance> get(std::string_view providerId) = 0;

  // Every non-terminated instance this cluster launched (for garbage collection of
  // instances whose NodeClaim is gone). Thread-safe.
  virtual Result<std::vector<CloudInstance>> list() = 0;

  // The catalog, with each offering that recently failed with a capacity error marked
  // available=false. The snapshot is immutable and may be shared. Thread-safe.
  virtual Result<api::InstanceTypesPtr> instanceTypes() = 0;

  // Why the instance no longer matches the node class `nodeClassRef` names (e.g.
  // "ImageDrift", "SubnetDrift"), or nullopt when it still does. Errors: kNotFound when the
  // node class does not exist; discovery failures. Thread-safe.
  virtual Result<std::optional<std::string>> isDrifted(const CloudInstance& instance,
                                                       const api::NodeClassRef& nodeClassRef) = 0;

  // What one node launched with the node class `nodeClassRef` names costs per hour besides
  // its instance price: volumes, addresses and the like, as this provider prices them. The
  // solver adds it per node so that it does not favour many small nodes over fewer larger
  // ones. A class the provider does not know is priced as its default class would be. Never
  // fails and makes no cloud call (a bundled or configured price table); 0 unless a provider
  // says otherwise. Thread-safe.
  virtual double nodeFixedCostPerHour(const api::NodeClassRef& nodeClassRef) const {
    (void)nodeClassRef;
    return 0;
  }

  // Short name for logs and metrics labels: "aws", "sim", "fake".
  virtual std::string_view name() const = 0;
};

using CloudProviderPtr = std::unique_ptr<CloudProvider>;

}  // namespace gantry::cloudprovider
