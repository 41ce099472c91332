// NodeClaim and NodePool writes over the apiserver. Finalizer removal is a JSON
// patch guarded by a test of the list, so a concurrent change to the finalizers fails the
// patch instead of being overwritten.
#include "provisioner/provisioning/cluster_writer.h"

#include <algorithm>

#include "src/kube/cluster_cache.h"

namespace gantry::provisioner {

using nlohmann::json;

namespace {

Result<api::NodeClaim> decoded(const Result<json>& object) {
  if (!object) return fail(object.error());
  auto claim = api::decodeNodeClaim(*object);
  if (!claim) {
    return fail(Status::invalid("the apiserver returned an undecodable NodeClaim: " +
                                claim.error().field + ": " + claim.error().message));
  }
  return std::move(*claim);
}

}  // namespace

Result<api::NodeClaim> KubeClusterWriter::createNodeClaim(const api::NodeClaim& claim) {
  json body = api::encodeNodeClaim(claim);
  body.erase("status");
  return decoded(client_.create(kube::kNodeClaimsPath, body));
}

Result<api::NodeClaim> KubeClusterWriter::updateNodeClaim(const api::NodeClaim& claim) {
  std::string version = claim.resourceVersion;
  if (!claim.labels.empty()) {
    json labels = json::object();
    for (const auto& [k, v] : claim.labels) labels[k] = v;
    auto patched = client_.patch(kube::kNodeClaimsPath.withName(claim.name), kube::PatchType::kMerge,
                                 json{{"metadata", {{"labels", labels}}}});
    if (!patched) return fail(patched.error());
    version = (*patched)["metadata"].value("resourceVersion", std::string());
  }
  api::NodeClaim copy = claim;
  copy.resourceVersion = version;
  return decoded(client_.patch(kube::kNodeClaimsPath.withName(claim.name, "status"),
                               kube::PatchType::kMerge, api::nodeClaimStatusPatch(copy)));
}

Status KubeClusterWriter::deleteNodeClaim(const std::string& name) {
  const kube::ResourcePath path = kube::kNodeClaimsPath.withName(name);
  auto current = client_.get(path);
  if (!current) return current.error().isNotFound() ? Status::ok() : current.error();
  const json& finalizers = (*current)["metadata"].value("finalizers", json::array());
  if (finalizers.is_array()) {
    for (size_t i = 0; i < finalizers.size(); ++i) {
      if (finalizers[i] != std::string(api::nodeclaim::kTerminationFinalizer)) continue;
      const std::string at = "/metadata/finalizers/" + std::to_string(i);
      json ops = json::array({{{"op", "test"}, {"path", at}, {"value", finalizers[i]}},
                              {{"op", "remove"}, {"path", at}}});
      auto patched = client_.patch(path, kube::PatchType::kJson, ops);
      if (!patched && !patched.error().isNotFound()) return patched.error();
      break;
    }
  }
  auto removed = client_.remove(path);
  if (!removed && !removed.error().isNotFound()) return removed.error();
  return Status::ok();
}

Status KubeClusterWriter::setNodePoolCondition(const std::string& pool, const api::Condition& condition) {
  const kube::ResourcePath path = kube::kNodePoolsPath.withName(pool);
  auto current = client_.get(path);
  if (!current) return current.error();
  std::vector<api::Condition> conditions;
  if (auto status = current->find("status"); status != current->end() && status->is_object()) {
    if (auto c = status->find("conditions"); c != status->end()) {
      if (auto decodedConditions = api::decodeConditions(*c, "status.conditions")) {
        conditions = std::move(*decodedConditions);
      }
    }
  }
  if (!api::setCondition(conditions, condition.type, condition.status, condition.reason,
                         condition.message, condition.lastTransitionTime)) {
    return Status::ok();
  }
  json body{{"metadata", {{"resourceVersion", (*current)["metadata"].value("resourceVersion", "")}}},
            {"status", {{"conditions", api::encodeConditions(conditions)}}}};
  auto patched = client_.patch(path.withName(pool, "status"), kube::PatchType::kMerge, body);
  return patched ? Status::ok() : patched.error();
}

}  // namespace gantry::provisioner
