// The CloudProvider on EC2 (Karpenter's aws CloudProvider): launches with CreateFleet
// (instant) over launch templates per node class and AMI, falls back to RunInstances, marks
// pools that report capacity errors unavailable, and finds, lists and terminates instances
// by the gantry.dev/* tags it puts on them. A NodeClaim's nodeClassRef is looked up in the
// Ec2NodeClassSource it is given; it also resolves EC2NodeClass status for the status
// controller (Ec2NodeClassStatusResolver), which is not part of the neutral seam.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "cloudprovider/aws/ec2/ec2_api.h"
#include "cloudprovider/aws/launch_plan.h"
#include "cloudprovider/aws/launch_templates.h"
#include "cloudprovider/aws/nodeclass_resolver.h"
#include "cloudprovider/aws/nodeclass_source.h"
#include "cloudprovider/aws/nodeclass_status_resolver.h"
#include "cloudprovider/aws/ssm/ssm_api.h"
#include "cloudprovider/aws/unavailable_offerings.h"
#include "cloudprovider/cloud_provider.h"
#include "src/common/clock.h"

namespace gantry::cloudprovider::aws {

inline constexpr std::string_view kClusterTagKey = "gantry.dev/cluster";
inline constexpr std::string_view kNodePoolTagKey = "gantry.dev/nodepool";
inline constexpr std::string_view kNodeClaimTagKey = "gantry.dev/nodeclaim";
inline constexpr std::string_view kGroupTagKey = "gantry.dev/group";

enum class LaunchApi {
  kCreateFleet,   // CreateFleet type instant; RunInstances when the fleet API is unsupported
  kRunInstances,  // RunInstances only, one pool after another
};

struct Ec2CloudProviderOptions {
  std::string clusterName{};  // REQUIRED: the gantry.dev/cluster tag value
  LaunchApi launchApi = LaunchApi::kCreateFleet;
  // With kCreateFleet: use RunInstances when CreateFleet itself is refused as unsupported
  // (kUnimplemented, InvalidAction, UnsupportedOperation).
  bool fallbackToRunInstances = true;
  size_t maxOverrides = 60;
  size_t maxRunInstancesAttempts = 10;  // pools tried one by one on the RunInstances path
  Clock::Duration unavailableOfferingsTtl = std::chrono::minutes(3);
  NodeClassResolverOptions resolver{};
};

// The catalog this provider sells; the provider only overlays availability on it.
// Must be thread-safe.
using CatalogSource = std::function<Result<api::InstanceTypesPtr>()>;

// Thread-safe. `ec2`, `ssm` (may be null: no AMI aliases), `clock` and `nodeClasses` must
// outlive it.
class Ec2CloudProvider final : public CloudProvider, public Ec2NodeClassStatusResolver {
 public:
  Ec2CloudProvider(Ec2CloudProviderOptions options, Ec2Api& ec2, SsmApi* ssm, Clock& clock,
                   CatalogSource catalog, const Ec2NodeClassSource& nodeClasses);

  Result<CloudInstance> create(const CreateRequest& request) override;
  Result<std::vector<CloudInstance>> createGroup(const CreateGroupRequest& request) override;
  Status deleteInstance(std::string_view providerId) override;
  std::vector<Status> deleteInstances(const std::vector<std::string>& providerIds) override;
  Result<CloudInstance> get(std::string_view providerId) override;
  Result<std::vector<CloudInstance>> list() override;
  Result<api::InstanceTypesPtr> instanceTypes() override;
  Result<std::optional<std::string>> isDrifted(const CloudInstance& instance,
                                               const api::NodeClassRef& nodeClassRef) override;
  // Through the NodeClassResolver (EC2 describe calls; SSM for AMI aliases): its kInvalid,
  // kNotFound and kUnimplemented errors become False conditions, the rest fail the call.
  Result<api::Ec2NodeClassStatus> resolveNodeClass(const api::Ec2NodeClass& nodeClass) override;
  // The class's EBS volumes and public IPv4 address (node_fixed_cost.h); a class the source
  // does not hold (or another kind) is priced as the AL2023 default.
  double nodeFixedCostPerHour(const api::NodeClassRef& nodeClassRef) const override;
  std::string_view name() const override { return "aws"; }

  // For tests and the catalog command: the cache this provider marks.
  UnavailableOfferings& unavailableOfferings() { return unavailable_; }

  // The idempotency token of a NodeClaim's launch (<= 64 characters, EC2's limit).
  static std::string clientTokenFor(std::string_view kind, std::string_view name);

 private:
  struct Launch;  // one prepared launch: plan, templates, tags (ec2_cloud_provider_launch.cpp)

  // The EC2NodeClass `ref` names. kNotFound when the source has none (the message names it,
  // "EC2NodeClass \"<name>\" not found"); kInvalid for a kind other than EC2NodeClass.
  Result<std::shared_ptr<const api::Ec2NodeClass>> findNodeClass(const api::NodeClassRef& ref) const;

  Result<Launch> prepare(const std::string& nodePoolName, const api::Ec2NodeClass& nodeClass,
                         const std::vector<api::InstanceType>& candidates, const api::Labels& extra,
                         bool singleZone);
  // Instances (not terminated) of this cluster carrying tag key=value.
  Result<std::vector<Instance>> findTagged(std::string_view key, std::string_view value);
  Result<std::vector<CloudInstance>> launchFleet(const Launch& launch, int count,
                                                 const std::string& clientToken);
  Result<std::vector<CloudInstance>> launchRunInstances(const Launch& launch, int count,
                                                        const std::string& clientToken);
  Result<std::vector<CloudInstance>> launch(const Launch& launch, int count,
                                            const std::string& clientToken);
  void markFailure(api::CapacityType capacityType, const std::string& instanceType,
                   const std::string& zone, const std::string& code);
  CloudInstance toCloudInstance(const Instance& instance) const;

  Ec2CloudProviderOptions options_;
  Ec2Api& ec2_;
  CatalogSource catalog_;
  const Ec2NodeClassSource& nodeClasses_;
  UnavailableOfferings unavailable_;
  NodeClassResolver resolver_;
  LaunchTemplates templates_;
};

}  // namespace gantry::cloudprovider::aws
