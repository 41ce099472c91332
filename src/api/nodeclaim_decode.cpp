// NodeClaim decoding from Kubernetes JSON. Claims come from the apiserver, which validated
// them against the CRD, but also from manifest files and from other writers; every field is
// checked again here so that a bad one is a FieldError, never a crash or a silent default.
#include <nlohmann/json.hpp>

#include "src/api/decode_internal.h"
#include "src/api/nodeclaim.h"
#include "src/api/nodeclaim_status.h"

namespace gantry::api {

using namespace detail;

namespace {

DecodeResult<std::optional<Clock::TimePoint>> timestampField(const json& obj,
                                                             const std::string& path,
                                                             std::string_view field) {
  auto text = stringField(obj, path, field);
  if (!text) return std::unexpected(text.error());
  if (text->empty()) return std::optional<Clock::TimePoint>();
  auto t = parseTimestamp(*text);
  if (!t) return fieldError(join(path, field), t.error().message());
  return std::optional<Clock::TimePoint>(*t);
}

std::optional<FieldError> decodeOwnerReferences(const json& value, NodeClaim& claim) {
  const std::string path = "metadata.ownerReferences";
  if (auto e = expectArray(value, path)) return e;
  for (size_t i = 0; i < value.size(); ++i) {
    const std::string here = index(path, i);
    const json& item = value[i];
    if (auto e = expectObject(item, here)) return e;
    OwnerReference ref;
    for (auto [field, out] :
         {std::pair{"apiVersion", &ref.apiVersion}, std::pair{"kind", &ref.kind},
          std::pair{"name", &ref.name}, std::pair{"uid", &ref.uid}}) {
      auto v = stringField(item, here, field);
      if (!v) return v.error();
      *out = std::move(*v);
    }
    auto controller = boolField(item, here, "controller", false);
    if (!controller) return controller.error();
    auto block = boolField(item, here, "blockOwnerDeletion", false);
    if (!block) return block.error();
    ref.controller = *controller;
    ref.blockOwnerDeletion = *block;
    claim.ownerReferences.push_back(std::move(ref));
  }
  return std::nullopt;
}

std::optional<FieldError> decodeMetadata(const json& object, NodeClaim& claim) {
  auto name = objectName(object);
  if (!name) return name.error();
  claim.name = *name;
  const json& meta = object["metadata"];
  for (auto [field, out] :
       {std::pair{"uid", &claim.uid}, std::pair{"resourceVersion", &claim.resourceVersion}}) {
    auto v = stringField(meta, "metadata", field);
    if (!v) return v.error();
    *out = std::move(*v);
  }
  auto generation = intField(meta, "metadata", "generation", 0);
  if (!generation) return generation.error();
  if (*generation < 0) return FieldError{"metadata.generation", "must not be negative"};
  claim.generation = *generation;
  for (auto [field, out] :
       {std::pair{"labels", &claim.labels}, std::pair{"annotations", &claim.annotations}}) {
    if (const json* v = child(meta, field)) {
      auto m = decodeStringMap(*v, join("metadata", field));
      if (!m) return m.error();
      *out = std::move(*m);
    }
  }
  auto finalizers = stringList(meta, "metadata", "finalizers");
  if (!finalizers) return finalizers.error();
  claim.finalizers = std::move(*finalizers);
  if (const json* refs = child(meta, "ownerReferences")) {
    if (auto e = decodeOwnerReferences(*refs, claim)) return e;
  }
  auto created = timestampField(meta, "metadata", "creationTimestamp");
  if (!created) return created.error();
  claim.creationTimestamp = *created;
  auto deleted = timestampField(meta, "metadata", "deletionTimestamp");
  if (!deleted) return deleted.error();
  claim.deletionTimestamp = *deleted;
  return std::nullopt;
}

std::optional<FieldError> decodeRequirements(const json& value, NodeClaim& claim) {
  const std::string path = "spec.requirements";
  if (auto e = expectArray(value, path)) return e;
  for (size_t i = 0; i < value.size(); ++i) {
    const std::string here = index(path, i);
    auto req = decodeRequirement(value[i], here);
    if (!req) return req.error();
    if (child(value[i], "minValues")) {
      auto mv = int32Field(value[i], here, "minValues", 0, 1, 50);
      if (!mv) return mv.error();
      if (req->op != SelectorOp::kIn || req->values.size() < static_cast<size_t>(*mv)) {
        return FieldError{here + ".minValues",
                          "needs operator In and at least " + std::to_string(*mv) + " values"};
      }
      int32_t& slot = claim.minValues[req->key];
      slot = std::max(slot, *mv);
    }
    claim.requirements.push_back(std::move(*req));
  }
  return std::nullopt;
}

std::optional<FieldError> decodeSpec(const json& spec, NodeClaim& claim) {
  if (auto e = expectObject(spec, "spec")) return e;
  const json* ref = child(spec, "nodeClassRef");
  if (!ref) return FieldError{"spec.nodeClassRef", "required"};
  if (auto e = expectObject(*ref, "spec.nodeClassRef")) return e;
  for (auto [field, out] :
       {std::pair{"group", &claim.nodeClassRef.group}, std::pair{"kind", &claim.nodeClassRef.kind},
        std::pair{"name", &claim.nodeClassRef.name}}) {
    auto v = stringField(*ref, "spec.nodeClassRef", field);
    if (!v) return v.error();
    *out = std::move(*v);
  }
  if (claim.nodeClassRef.name.empty()) return FieldError{"spec.nodeClassRef.name", "required"};
  if (const json* reqs = child(spec, "requirements")) {
    if (auto e = decodeRequirements(*reqs, claim)) return e;
  }
  if (const json* resources = child(spec, "resources")) {
    if (auto e = expectObject(*resources, "spec.resources")) return e;
    if (const json* requests = child(*resources, "requests")) {
      auto r = decodeResourceList(*requests, "spec.resources.requests");
      if (!r) return r.error();
      claim.resourceRequests = std::move(*r);
    }
  }
  for (auto [field, out] :
       {std::pair{"taints", &claim.taints}, std::pair{"startupTaints", &claim.startupTaints}}) {
    if (const json* t = child(spec, field)) {
      auto taints = decodeTaints(*t, join("spec", field));
      if (!taints) return taints.error();
      *out = std::move(*taints);
    }
  }
  auto expire = stringField(spec, "spec", "expireAfter", "720h");
  if (!expire) return expire.error();
  if (auto d = parseNodeDuration(*expire); !d)
    return FieldError{"spec.expireAfter", d.error().message()};
  claim.expireAfter = *expire;
  auto grace = stringField(spec, "spec", "terminationGracePeriod");
  if (!grace) return grace.error();
  if (!grace->empty()) {
    auto d = parseNodeDuration(*grace);
    if (!d || !*d) {
      return FieldError{"spec.terminationGracePeriod",
                        d ? "\"Never\" is not allowed here" : d.error().message()};
    }
  }
  claim.terminationGracePeriod = *grace;
  return std::nullopt;
}

std::optional<FieldError> decodeStatus(const json& status, NodeClaim& claim) {
  if (auto e = expectObject(status, "status")) return e;
  for (auto [field, out] :
       {std::pair{"providerID", &claim.providerId}, std::pair{"imageID", &claim.imageId},
        std::pair{"nodeName", &claim.nodeName}}) {
    auto v = stringField(status, "status", field);
    if (!v) return v.error();
    *out = std::move(*v);
  }
  for (auto [field, out] :
       {std::pair{"capacity", &claim.capacity}, std::pair{"allocatable", &claim.allocatable}}) {
    if (const json* v = child(status, field)) {
      auto r = decodeResourceList(*v, join("status", field));
      if (!r) return r.error();
      *out = std::move(*r);
    }
  }
  auto lastPod = timestampField(status, "status", "lastPodEventTime");
  if (!lastPod) return lastPod.error();
  claim.lastPodEventTime = *lastPod;
  if (const json* conds = child(status, "conditions")) {
    auto c = decodeConditions(*conds, "status.conditions");
    if (!c) return c.error();
    claim.conditions = std::move(*c);
  }
  return std::nullopt;
}

}  // namespace

DecodeResult<NodeClaim> decodeNodeClaim(const json& object) {
  if (auto e = expectObject(object, "")) return std::unexpected(*e);
  NodeClaim claim;
  if (auto e = decodeMetadata(object, claim)) return std::unexpected(*e);
  const json* spec = child(object, "spec");
  if (!spec) return fieldError("spec", "required");
  if (auto e = decodeSpec(*spec, claim)) return std::unexpected(*e);
  if (const json* status = child(object, "status")) {
    if (auto e = decodeStatus(*status, claim)) return std::unexpected(*e);
  }
  return claim;
}

DecodeResult<NodeClaim> withStatus(NodeClaim claim, const json& status) {
  claim.providerId.clear();
  claim.imageId.clear();
  claim.nodeName.clear();
  claim.capacity = {};
  claim.allocatable = {};
  claim.lastPodEventTime.reset();
  claim.conditions.clear();
  if (auto e = decodeStatus(status, claim)) return std::unexpected(*e);
  return claim;
}

}  // namespace gantry::api
