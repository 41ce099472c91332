// EC2 providerIDs, "aws:///<zone>/<instance id>", as the AWS cloud-controller-manager and
// kubelet write them on Nodes.
#include "cloudprovider/aws/provider_id.h"

namespace gantry::cloudprovider::aws {

std::string makeProviderId(std::string_view zone, std::string_view instanceId) {
  return "aws:///" + std::string(zone) + "/" + std::string(instanceId);
}

Result<std::string> instanceIdFromProviderId(std::string_view providerId) {
  constexpr std::string_view kPrefix = "aws:///";
  if (!providerId.starts_with(kPrefix)) {
    return fail(Status::invalid("providerID " + std::string(providerId) + " is not aws:///..."));
  }
  std::string_view rest = providerId.substr(kPrefix.size());
  if (auto slash = rest.rfind('/'); slash != std::string_view::npos) rest = rest.substr(slash + 1);
  if (!rest.starts_with("i-") || rest.size() < 3) {
    return fail(Status::invalid("providerID " + std::string(providerId) + " has no instance id"));
  }
  return std::string(rest);
}

}  // namespace gantry::cloudprovider::aws
