// The cache reader and the apiserver writer of the EC2NodeClass status controller. The status
// goes out as a merge patch without a resourceVersion: this controller is the status' only
// writer, and a merge patch of the status subresource cannot touch the user's spec.
#include "provisioner/nodeclass/nodeclass_access.h"

namespace gantry::provisioner::nodeclass {

std::vector<std::shared_ptr<const api::Ec2NodeClass>> CacheNodeClassReader::nodeClasses() const {
  return cache_.ec2NodeClasses().store().list();
}

std::shared_ptr<const api::Ec2NodeClass> CacheNodeClassReader::nodeClass(
    const std::string& name) const {
  return cache_.ec2NodeClasses().store().get(name);  // cluster-scoped: the key is the name
}

Status KubeNodeClassStatusWriter::writeStatus(const std::string& name,
                                              const api::Ec2NodeClassStatus& status) {
  auto patched = client_.patch(kube::kEc2NodeClassesPath.withName(name, "status"),
                               kube::PatchType::kMerge,
                               nlohmann::json{{"status", api::encodeEc2NodeClassStatus(status)}});
  return patched ? Status::ok() : patched.error();
}

}  // namespace gantry::provisioner::nodeclass
