// NodeClaim decoding for `plan`. The status half is written by the controller, not by
// people, so unreadable conditions are skipped rather than failing the claim; the spec and
// the resource lists are decoded strictly, with the api decoders.
#include "provisioner/snapshot/nodeclaim_view.h"

#include <algorithm>

#include "src/api/well_known_labels.h"

namespace gantry::provisioner {

using nlohmann::json;

namespace {

const json* field(const json& obj, std::string_view key) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(key);
  return it == obj.end() || it->is_null() ? nullptr : &*it;
}

std::string text(const json& obj, std::string_view key) {
  const json* v = field(obj, key);
  return v && v->is_string() ? v->get<std::string>() : std::string();
}

std::unexpected<api::FieldError> error(std::string path, std::string message) {
  return std::unexpected(api::FieldError{std::move(path), std::move(message)});
}

std::string labelOf(const api::Labels& labels, std::string_view a, std::string_view b) {
  if (auto it = labels.find(a); it != labels.end()) return it->second;
  if (auto it = labels.find(b); it != labels.end()) return it->second;
  return "";
}

const api::InstanceType* findType(const api::InstanceTypes* catalog, const std::string& name) {
  if (!catalog || name.empty()) return nullptr;
  auto it = std::lower_bound(catalog->begin(), catalog->end(), name,
                             [](const api::InstanceType& t, const std::string& n) { return t.name < n; });
  return it != catalog->end() && it->name == name ? &*it : nullptr;
}

}  // namespace

api::DecodeResult<NodeClaimView> decodeNodeClaimView(const json& object, const api::InstanceTypes* catalog) {
  if (!object.is_object()) return error("", "expected an object");
  const json* meta = field(object, "metadata");
  if (!meta || !meta->is_object()) return error("metadata", "required");
  NodeClaimView view;
  view.name = text(*meta, "name");
  if (view.name.empty()) return error("metadata.name", "required");
  view.deleting = field(*meta, "deletionTimestamp") != nullptr;
  api::Node& node = view.node;
  node.name = view.name;
  node.inFlight = true;
  node.ready = false;
  if (const json* labels = field(*meta, "labels")) {
    auto l = api::decodeStringMap(*labels, "metadata.labels");
    if (!l) return std::unexpected(l.error());
    node.labels = std::move(*l);
  }

  api::ResourceList requests;
  if (const json* spec = field(object, "spec")) {
    if (!spec->is_object()) return error("spec", "expected an object");
    if (const json* reqs = field(*spec, "requirements")) {
      if (!reqs->is_array()) return error("spec.requirements", "expected a list");
      for (size_t i = 0; i < reqs->size(); ++i) {
        auto r = api::decodeRequirement((*reqs)[i], "spec.requirements[" + std::to_string(i) + "]");
        if (!r) return std::unexpected(r.error());
        // A single allowed value is what the node will carry; labels already set win.
        if (r->op == api::SelectorOp::kIn && r->values.size() == 1) node.labels.emplace(r->key, r->values[0]);
      }
    }
    if (const json* taints = field(*spec, "taints")) {
      auto t = api::decodeTaints(*taints, "spec.taints");
      if (!t) return std::unexpected(t.error());
      node.taints = std::move(*t);
    }
    if (const json* res = field(*spec, "resources")) {
      if (const json* r = field(*res, "requests")) {
        auto rl = api::decodeResourceList(*r, "spec.resources.requests");
        if (!rl) return std::unexpected(rl.error());
        requests = std::move(*rl);
      }
    }
  }

  api::ResourceList statusCapacity;
  if (const json* status = field(object, "status")) {
    if (!status->is_object()) return error("status", "expected an object");
    view.nodeName = text(*status, "nodeName");
    if (const json* a = field(*status, "allocatable")) {
      auto rl = api::decodeResourceList(*a, "status.allocatable");
      if (!rl) return std::unexpected(rl.error());
      node.allocatable = std::move(*rl);
    }
    if (const json* c = field(*status, "capacity")) {
      auto rl = api::decodeResourceList(*c, "status.capacity");
      if (!rl) return std::unexpected(rl.error());
      statusCapacity = std::move(*rl);
    }
    if (const json* conds = field(*status, "conditions"); conds && conds->is_array()) {
      for (const json& c : *conds) {
        if (text(c, "type") == "Initialized") view.initialized = text(c, "status") == "True";
      }
    }
  }

  node.nodePool = labelOf(node.labels, api::label::kNodePool, api::label::kKarpenterNodePool);
  node.instanceType = labelOf(node.labels, api::label::kInstanceType, api::label::kLegacyInstanceType);
  const api::InstanceType* type = findType(catalog, node.instanceType);
  if (type) node.labels.insert(type->labels.begin(), type->labels.end());  // GPU name, family...
  if (node.allocatable.empty()) node.allocatable = type ? type->allocatable() : requests;
  view.capacity = !statusCapacity.empty() ? statusCapacity : type ? type->capacity : node.allocatable;
  return view;
}

NodeClaimView viewOfNodeClaim(const api::NodeClaim& claim, const api::InstanceTypes* catalog) {
  NodeClaimView view;
  view.name = claim.name;
  view.nodeName = claim.nodeName;
  view.deleting = claim.deleting();
  view.initialized = claim.isTrue(api::nodeclaim::kInitialized);
  api::Node& node = view.node;
  node.name = claim.name;
  node.inFlight = true;
  node.ready = false;
  node.labels = claim.labels;
  for (const api::Requirement& r : claim.requirements) {
    if (r.op == api::SelectorOp::kIn && r.values.size() == 1) node.labels.emplace(r.key, r.values[0]);
  }
  node.taints = claim.taints;
  node.allocatable = claim.allocatable;
  node.nodePool = labelOf(node.labels, api::label::kNodePool, api::label::kKarpenterNodePool);
  node.instanceType = labelOf(node.labels, api::label::kInstanceType, api::label::kLegacyInstanceType);
  const api::InstanceType* type = findType(catalog, node.instanceType);
  if (type) node.labels.insert(type->labels.begin(), type->labels.end());
  if (node.allocatable.empty()) node.allocatable = type ? type->allocatable() : claim.resourceRequests;
  view.capacity = !claim.capacity.empty() ? claim.capacity : type ? type->capacity : node.allocatable;
  return view;
}

}  // namespace gantry::provisioner
