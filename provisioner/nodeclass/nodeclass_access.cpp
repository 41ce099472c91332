// The cache reader and the apiserver writer of the EC2NodeClass status controller. The status
// goes out as a merge patch without a resourceVersion: this controller is the status' only
// writer, and a merge patch of the status subresource cannot touch the user's spec.
#include "provisioner/nodeclass/nodeclass_access.h"

namespace gantry::provisioner::nodeclass {

bool CacheNodeClassReader::referenced(const std::string& name) const {
  for (const auto& pool : cache_.nodePools().store().list()) {
    if (pool->nodeClassRef == name) return true;
  }
  return false;
}

std::vector<std::shared_ptr<const api::Ec2NodeClass>> CacheNodeClassReader::nodeClasses() const {
  auto all = cache_.ec2NodeClasses().store().list();
  if (onlyReferenced_) std::erase_if(all, [this](const auto& c) { return !referenced(c->name); });
  return all;
}

std::shared_ptr<const api::Ec2NodeClass> CacheNodeClassReader::nodeClass(
    const std::string& name) const {
  if (onlyReferenced_ && !referenced(name)) return nullptr;
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
