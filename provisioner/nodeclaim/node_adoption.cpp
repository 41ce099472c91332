// Building the adoption and finalizer patches. Lists are rewritten whole because a merge patch
// cannot edit a list in place; the resourceVersion precondition makes that safe against a
// concurrent writer (the kubelet, a user), who wins and makes us recompute.
#include "provisioner/nodeclaim/node_adoption.h"

#include <algorithm>

#include "src/api/well_known_labels.h"

namespace gantry::provisioner::nodeclaim {

namespace {

using json = nlohmann::json;

json taintJson(const api::Taint& t) {
  json item{{"key", t.key}, {"effect", api::taintEffectName(t.effect)}};
  if (!t.value.empty()) item["value"] = t.value;
  return item;
}

bool sameTaint(const json& a, const api::Taint& b) {
  return a.is_object() && a.value("key", json()) == json(b.key) &&
         a.value("effect", json()) == json(std::string(api::taintEffectName(b.effect)));
}

const json* metadataOf(const json& object) {
  if (!object.is_object()) return nullptr;
  auto meta = object.find("metadata");
  return meta != object.end() && meta->is_object() ? &*meta : nullptr;
}

std::string stringAt(const json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

bool adoptedBy(const json& node, const api::NodeClaim& claim) {
  const json* meta = metadataOf(node);
  if (meta == nullptr) return false;
  auto refs = meta->find("ownerReferences");
  if (refs == meta->end() || !refs->is_array()) return false;
  return std::any_of(refs->begin(), refs->end(), [&](const json& r) {
    if (!r.is_object() || stringAt(r, "kind") != api::nodeclaim::kKind) return false;
    return claim.uid.empty() ? stringAt(r, "name") == claim.name : stringAt(r, "uid") == claim.uid;
  });
}

Result<json> adoptionPatch(const json& node, const api::NodeClaim& claim, const api::NodePool* pool) {
  const json* meta = metadataOf(node);
  if (meta == nullptr || stringAt(*meta, "name").empty()) {
    return fail(Status::invalid("node object without metadata.name"));
  }
  json patch = json::object();
  bool changed = false;

  // Labels: the pool's template labels, then the claim's (more specific), then ours.
  api::Labels wanted;
  if (pool != nullptr) wanted = pool->labels;
  for (const auto& [k, v] : claim.labels) wanted[k] = v;
  if (!claim.nodePool().empty()) wanted[std::string(api::label::kNodePool)] = claim.nodePool();
  wanted[std::string(kRegisteredLabel)] = "true";
  const json* labels = nullptr;
  if (auto it = meta->find("labels"); it != meta->end() && it->is_object()) labels = &*it;
  for (const auto& [k, v] : wanted) {
    if (labels != nullptr && labels->value(k, json()) == json(v)) continue;
    patch["metadata"]["labels"][k] = v;
    changed = true;
  }

  // Taints: what the node has, without the unregistered one, plus the claim's (and pool's)
  // taints, plus startup taints on first adoption only (their daemon removes them later).
  json taints = json::array();
  bool taintsChanged = false;
  const json* spec = nullptr;
  if (auto it = node.find("spec"); it != node.end() && it->is_object()) spec = &*it;
  if (spec != nullptr) {
    if (auto it = spec->find("taints"); it != spec->end() && !it->is_null()) {
      if (!it->is_array()) return fail(Status::invalid("node spec.taints is not a list"));
      for (const json& t : *it) {
        if (!t.is_object()) return fail(Status::invalid("node spec.taints has a non-object item"));
        if (stringAt(t, "key") == kUnregisteredTaintKey) {
          taintsChanged = true;
          continue;
        }
        taints.push_back(t);
      }
    }
  }
  std::vector<api::Taint> add = claim.taints;
  if (pool != nullptr) add.insert(add.end(), pool->taints.begin(), pool->taints.end());
  if (!adoptedBy(node, claim)) {
    add.insert(add.end(), claim.startupTaints.begin(), claim.startupTaints.end());
    if (pool != nullptr) {
      add.insert(add.end(), pool->startupTaints.begin(), pool->startupTaints.end());
    }
  }
  for (const api::Taint& t : add) {
    if (std::any_of(taints.begin(), taints.end(), [&](const json& have) { return sameTaint(have, t); }))
      continue;
    taints.push_back(taintJson(t));
    taintsChanged = true;
  }
  if (taintsChanged) {
    patch["spec"]["taints"] = taints;
    changed = true;
  }

  // ownerReference to the claim, so deleting the claim also deletes the Node.
  if (!adoptedBy(node, claim)) {
    json refs = json::array();
    if (auto it = meta->find("ownerReferences"); it != meta->end() && it->is_array()) refs = *it;
    json ref{{"apiVersion", api::nodeclaim::kApiVersion},
             {"kind", api::nodeclaim::kKind},
             {"name", claim.name},
             {"blockOwnerDeletion", true}};
    if (!claim.uid.empty()) ref["uid"] = claim.uid;
    refs.push_back(std::move(ref));
    patch["metadata"]["ownerReferences"] = std::move(refs);
    changed = true;
  }

  // The termination finalizer: a deleted Node waits for its claim's termination flow.
  json finalizers = json::array();
  bool haveFinalizer = false;
  if (auto it = meta->find("finalizers"); it != meta->end() && it->is_array()) {
    finalizers = *it;
    haveFinalizer = std::any_of(finalizers.begin(), finalizers.end(), [](const json& f) {
      return f.is_string() && f.get<std::string>() == api::nodeclaim::kTerminationFinalizer;
    });
  }
  if (!haveFinalizer) {
    finalizers.push_back(api::nodeclaim::kTerminationFinalizer);
    patch["metadata"]["finalizers"] = std::move(finalizers);
    changed = true;
  }

  if (!changed) return json::object();
  const std::string rv = stringAt(*meta, "resourceVersion");
  if (!rv.empty()) patch["metadata"]["resourceVersion"] = rv;
  return patch;
}

json removeFinalizerPatch(const json& object, std::string_view finalizer) {
  const json* meta = metadataOf(object);
  if (meta == nullptr) return json::object();
  auto it = meta->find("finalizers");
  if (it == meta->end() || !it->is_array()) return json::object();
  json rest = json::array();
  bool found = false;
  for (const json& f : *it) {
    if (f.is_string() && f.get<std::string>() == finalizer) {
      found = true;
    } else {
      rest.push_back(f);
    }
  }
  if (!found) return json::object();
  json patch{{"metadata", {{"finalizers", std::move(rest)}}}};
  const std::string rv = stringAt(*meta, "resourceVersion");
  if (!rv.empty()) patch["metadata"]["resourceVersion"] = rv;
  return patch;
}

json removeFinalizerPatch(const api::NodeClaim& claim, std::string_view finalizer) {
  json meta{{"finalizers", claim.finalizers}};
  if (!claim.resourceVersion.empty()) meta["resourceVersion"] = claim.resourceVersion;
  return removeFinalizerPatch(json{{"metadata", std::move(meta)}}, finalizer);
}

}  // namespace gantry::provisioner::nodeclaim
