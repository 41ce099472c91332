// The cache-backed reader and the RestClient-backed status writer of the usage controller.
// The writer reads the pool first rather than trusting the cache: a merge patch only removes
// the names it sets to null, so it must know every name the server holds, and the
// resourceVersion precondition makes a concurrent status write fail instead of being lost.
#include "provisioner/nodepool/status_access.h"

namespace gantry::provisioner::nodepool {

using nlohmann::json;

void addUsageIndexes(kube::ClusterCache& cache) {
  cache.nodeClaims().addIndex(kNodeClaimsByNodePool, [](const api::NodeClaim& c) {
    std::string pool = c.nodePool();
    return pool.empty() ? std::vector<std::string>{} : std::vector<std::string>{std::move(pool)};
  });
}

std::vector<std::shared_ptr<const api::NodePool>> CacheUsageReader::nodePools() const {
  return cache_.nodePools().store().list();
}

std::shared_ptr<const api::NodePool> CacheUsageReader::nodePool(const std::string& name) const {
  if (name.empty()) return nullptr;
  return cache_.nodePools().store().get(name);
}

std::vector<std::shared_ptr<const api::NodeClaim>> CacheUsageReader::nodeClaimsOf(
    const std::string& pool) const {
  if (pool.empty()) return {};
  return cache_.nodeClaims().store().byIndex(kNodeClaimsByNodePool, pool);
}

Status KubeNodePoolStatusWriter::setNodePoolResources(const std::string& pool,
                                                      const api::ResourceList& resources) {
  const kube::ResourcePath path = kube::kNodePoolsPath.withName(pool);
  auto current = client_.get(path);
  if (!current) return current.error();

  json wanted = json::object();
  for (const auto& [name, q] : resources.entries()) wanted[name] = q.toString();
  json held = json::object();
  if (auto status = current->find("status"); status != current->end() && status->is_object()) {
    if (auto r = status->find("resources"); r != status->end() && r->is_object()) held = *r;
  }
  if (held == wanted) return Status::ok();

  json patch = wanted;
  for (const auto& [name, value] : held.items()) {
    if (!wanted.contains(name)) patch[name] = nullptr;
  }
  const json meta = current->value("metadata", json::object());
  json body{{"metadata", {{"resourceVersion", meta.value("resourceVersion", "")}}},
            {"status", {{"resources", patch}}}};
  auto patched =
      client_.patch(kube::kNodePoolsPath.withName(pool, "status"), kube::PatchType::kMerge, body);
  return patched ? Status::ok() : patched.error();
}

}  // namespace gantry::provisioner::nodepool
