// Discovery for an EC2NodeClass: which subnets, security groups and AMIs its selector terms
// name right now. Subnets and groups come from EC2 by tags or ids; images by tags/ids/name/
// owner, or, for an alias such as "al2023@latest", from the SSM parameters AWS publishes for
// the EKS-optimized AMIs (standard and NVIDIA variants).
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "cloudprovider/aws/ec2/ec2_api.h"
#include "cloudprovider/aws/ssm/ssm_api.h"
#include "src/api/ec2_nodeclass.h"
#include "src/api/instance_type.h"
#include "src/common/clock.h"

namespace gantry::cloudprovider::aws {

// One usable image and what it suits.
struct ResolvedImage {
  std::string imageId{};
  std::string name{};          // EC2's image name; empty for alias images (SSM gives ids only)
  std::string architecture{};  // "x86_64" | "arm64"
  bool nvidia = false;         // the EKS NVIDIA variant (only for alias terms)
  bool fromAlias = false;
  bool deprecated = false;  // past its deprecationTime
  std::optional<Clock::TimePoint> creationDate{};
};

// "/aws/service/eks/optimized-ami/<k8s>/amazon-linux-2023/<arch>/<standard|nvidia>/
// recommended/image_id" for version "latest", or ".../<variant>/amazon-eks-node-al2023-
// <arch>-<variant>-<k8s>-<version>/image_id" for a pinned one ("v20240807").
std::string eksOptimizedAmiParameter(std::string_view kubernetesVersion, std::string_view arch,
                                     bool nvidia, std::string_view version = "latest");

struct NodeClassResolverOptions {
  std::string kubernetesVersion = "1.34";  // for alias AMIs
  Clock::Duration ssmCacheTtl = std::chrono::minutes(5);
};

// Thread-safe; `ec2`, `ssm` (may be null: alias terms are then kUnimplemented) and `clock`
// must outlive it.
class NodeClassResolver {
 public:
  NodeClassResolver(NodeClassResolverOptions options, Ec2Api& ec2, SsmApi* ssm, Clock& clock);

  // Terms are ORed: a term naming an id EC2 does not know (its *.NotFound error) matches
  // nothing and the other terms still count. When no term matches anything the error is
  // kInvalid, "EC2NodeClass <name>: no subnet matches spec.subnetSelectorTerms [0] tags={...};
  // [1] id=subnet-x (<EC2's message>)", naming every term. Other errors are EC2's (or SSM's),
  // and fail the whole call.

  // Available subnets matching any term, by id.
  Result<std::vector<Subnet>> subnets(const api::Ec2NodeClass& nodeClass);
  // Security groups matching any term, by id.
  Result<std::vector<SecurityGroup>> securityGroups(const api::Ec2NodeClass& nodeClass);
  // The ids of securityGroups(), sorted.
  Result<std::vector<std::string>> securityGroupIds(const api::Ec2NodeClass& nodeClass);
  // Every image the terms select, newest first. Alias terms yield the standard and NVIDIA
  // images for x86_64 and the standard one for arm64 (a variant SSM does not know is left
  // out). Also kInvalid for an unsupported alias family; kUnimplemented for an alias without
  // an SSM client.
  Result<std::vector<ResolvedImage>> images(const api::Ec2NodeClass& nodeClass);

  // The image for one instance type from `images`: matching architecture, the NVIDIA variant
  // for NVIDIA GPU types when there is one, newest first. nullopt when none fits.
  static std::optional<ResolvedImage> imageFor(const std::vector<ResolvedImage>& images,
                                               const api::InstanceType& type);

 private:
  Result<std::string> ssmParameter(const std::string& name);

  NodeClassResolverOptions options_;
  Ec2Api& ec2_;
  SsmApi* ssm_;
  Clock& clock_;
  std::mutex mu_;
  // name -> (value, expiry); an empty value records ParameterNotFound. Guarded by mu_.
  std::map<std::string, std::pair<std::string, Clock::TimePoint>> ssmCache_;
};

// EC2 filters for one selector term's tags: "tag:<k>"=[v], or "tag-key"=[k] for value "*".
std::vector<Filter> tagFilters(const api::Labels& tags);

}  // namespace gantry::cloudprovider::aws
