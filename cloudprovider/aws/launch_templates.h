// Launch templates per (EC2NodeClass, AMI): everything a launch shares that CreateFleet cannot
// take directly (AMI, user data, volumes, metadata options, instance profile, security
// groups). Named by a hash of those inputs, so the same inputs always map to the same
// template, a changed class gets a new one, and several controllers converge on one name.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "cloudprovider/aws/ec2/ec2_api.h"
#include "src/api/ec2_nodeclass.h"

namespace gantry::cloudprovider::aws {

struct LaunchTemplateInputs {
  std::string clusterName{};
  std::string imageId{};
  std::vector<std::string> securityGroupIds{};  // sorted
  const api::Ec2NodeClass* nodeClass = nullptr;  // REQUIRED; not owned
};

// The launch template data for the inputs: IMDSv2 required by default, user data
// base64-encoded, the class's block devices or a 20 GiB encrypted gp3 root volume.
LaunchTemplateData launchTemplateData(const LaunchTemplateInputs& inputs);

// "gantry/<cluster>/<24 hex digits of SHA-256 over the template data>".
std::string launchTemplateName(const LaunchTemplateInputs& inputs);

// Standard base64 with padding.
std::string base64Encode(std::string_view in);

// Finds or creates templates. Thread-safe; `ec2` must outlive it.
class LaunchTemplates {
 public:
  explicit LaunchTemplates(Ec2Api& ec2) : ec2_(ec2) {}

  // The template for these inputs (by id): remembered, else described by name, else
  // created; a create that loses a race (kAlreadyExists) describes again. Errors: EC2's.
  Result<LaunchTemplateSpecification> ensure(const LaunchTemplateInputs& inputs);

  // Forgets the remembered ids (e.g. after a template was deleted out of band).
  void forget();

 private:
  Result<LaunchTemplateSpecification> describeByName(const std::string& name);

  Ec2Api& ec2_;
  std::mutex mu_;
  std::map<std::string, std::string> idsByName_;  // guarded by mu_
};

}  // namespace gantry::cloudprovider::aws
