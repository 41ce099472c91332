// Ec2CloudProvider::resolveNodeClass: the EC2NodeClass status as EC2 sees it. Each part
// (subnets, security groups, AMIs) is resolved on its own so that one broken selector shows up
// as its own False condition while the other parts are still listed.
#include <string>

#include "cloudprovider/aws/ec2_cloud_provider.h"
#include "src/api/well_known_labels.h"

namespace gantry::cloudprovider::aws {

namespace {

namespace nc = api::nodeclass;

// Resolution errors that are about the node class itself (a selector that matches nothing,
// an id EC2 does not know, an alias this controller cannot resolve), rather than about
// reaching the cloud.
bool aboutTheNodeClass(const Status& s) {
  return s.isInvalid() || s.isNotFound() || s.code() == StatusCode::kUnimplemented;
}

api::Condition partCondition(std::string_view type, const Status& error,
                             std::string_view notFoundReason) {
  api::Condition c;
  c.type = std::string(type);
  if (error.isOk()) {
    c.status = api::ConditionStatus::kTrue;
    c.reason = std::string(type);
  } else {
    c.status = api::ConditionStatus::kFalse;
    c.reason = std::string(notFoundReason);
    c.message = error.message();
  }
  return c;
}

// The instance types an image serves, as requirements on node labels: its architecture, and
// for the EKS-optimized variants the GPU vendor (NodeClassResolver::imageFor's rule).
std::vector<api::Requirement> imageRequirements(const ResolvedImage& image) {
  std::vector<api::Requirement> out;
  out.push_back({.key = std::string(api::label::kArch),
                 .op = api::SelectorOp::kIn,
                 .values = {image.architecture == "arm64" ? "arm64" : "amd64"}});
  if (image.fromAlias) {
    out.push_back({.key = std::string(api::label::kInstanceGpuManufacturer),
                   .op = image.nvidia ? api::SelectorOp::kIn : api::SelectorOp::kNotIn,
                   .values = {"nvidia"}});
  }
  return out;
}

}  // namespace

Result<api::Ec2NodeClassStatus> Ec2CloudProvider::resolveNodeClass(
    const api::Ec2NodeClass& nodeClass) {
  api::Ec2NodeClassStatus status;
  status.instanceProfile = nodeClass.instanceProfile;

  Status subnetError;
  if (auto subnets = resolver_.subnets(nodeClass); subnets) {
    for (const auto& s : *subnets) {
      status.subnets.push_back(
          {.id = s.subnetId, .zone = s.availabilityZone, .zoneId = s.availabilityZoneId});
    }
  } else if (aboutTheNodeClass(subnets.error())) {
    subnetError = subnets.error();
  } else {
    return fail(subnets.error());
  }

  Status groupError;
  if (auto groups = resolver_.securityGroups(nodeClass); groups) {
    for (const auto& g : *groups) {
      status.securityGroups.push_back({.id = g.groupId, .name = g.groupName});
    }
  } else if (aboutTheNodeClass(groups.error())) {
    groupError = groups.error();
  } else {
    return fail(groups.error());
  }

  Status imageError;
  if (auto images = resolver_.images(nodeClass); images) {
    for (const auto& i : *images) {
      status.amis.push_back({.id = i.imageId,
                             .name = i.name,
                             .deprecated = i.deprecated,
                             .requirements = imageRequirements(i)});
    }
  } else if (aboutTheNodeClass(images.error())) {
    imageError = images.error();
  } else {
    return fail(images.error());
  }

  status.conditions = {
      partCondition(nc::kSubnetsReady, subnetError, nc::kSubnetsNotFound),
      partCondition(nc::kSecurityGroupsReady, groupError, nc::kSecurityGroupsNotFound),
      partCondition(nc::kAmisReady, imageError, nc::kAmisNotFound)};
  return status;
}

}  // namespace gantry::cloudprovider::aws
