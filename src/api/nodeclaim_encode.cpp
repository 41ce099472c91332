// NodeClaim encoding to Kubernetes JSON, for creates, updates and status patches. Empty
// optional fields are left out so the apiserver applies the CRD's defaults, and so that
// decode(encode(c)) gives c back.
#include <algorithm>
#include <chrono>

#include <nlohmann/json.hpp>

#include "src/api/nodeclaim.h"
#include "src/api/nodeclaim_status.h"

namespace gantry::api {

using nlohmann::json;

namespace {

json encodeResourceList(const ResourceList& list) {
  json out = json::object();
  for (const auto& [name, q] : list.entries()) out[name] = q.toString();
  return out;
}

json encodeTaints(const std::vector<Taint>& taints) {
  json out = json::array();
  for (const Taint& t : taints) {
    json item{{"key", t.key}, {"effect", taintEffectName(t.effect)}};
    if (!t.value.empty()) item["value"] = t.value;
    out.push_back(std::move(item));
  }
  return out;
}

json encodeMetadata(const NodeClaim& c) {
  json meta{{"name", c.name}};
  if (!c.uid.empty()) meta["uid"] = c.uid;
  if (!c.resourceVersion.empty()) meta["resourceVersion"] = c.resourceVersion;
  if (c.generation != 0) meta["generation"] = c.generation;
  if (!c.labels.empty()) meta["labels"] = c.labels;
  if (!c.annotations.empty()) meta["annotations"] = c.annotations;
  if (!c.finalizers.empty()) meta["finalizers"] = c.finalizers;
  if (!c.ownerReferences.empty()) {
    json refs = json::array();
    for (const OwnerReference& r : c.ownerReferences) {
      json ref{{"apiVersion", r.apiVersion}, {"kind", r.kind}, {"name", r.name}, {"uid", r.uid}};
      if (r.controller) ref["controller"] = true;
      if (r.blockOwnerDeletion) ref["blockOwnerDeletion"] = true;
      refs.push_back(std::move(ref));
    }
    meta["ownerReferences"] = std::move(refs);
  }
  if (c.creationTimestamp) meta["creationTimestamp"] = formatTimestamp(*c.creationTimestamp);
  if (c.deletionTimestamp) meta["deletionTimestamp"] = formatTimestamp(*c.deletionTimestamp);
  return meta;
}

json encodeSpec(const NodeClaim& c) {
  json reqs = json::array();
  for (const Requirement& r : c.requirements) {
    json item{{"key", r.key}, {"operator", selectorOpName(r.op)}};
    if (!r.values.empty()) item["values"] = r.values;
    // minValues belongs to the key's In requirement (the decoder only accepts it there).
    if (auto mv = c.minValues.find(r.key); mv != c.minValues.end() && r.op == SelectorOp::kIn) {
      item["minValues"] = mv->second;
    }
    reqs.push_back(std::move(item));
  }
  json spec{{"nodeClassRef",
             {{"group", c.nodeClassRef.group},
              {"kind", c.nodeClassRef.kind},
              {"name", c.nodeClassRef.name}}},
            {"requirements", std::move(reqs)},
            {"expireAfter", c.expireAfter}};
  if (!c.resourceRequests.empty())
    spec["resources"] = {{"requests", encodeResourceList(c.resourceRequests)}};
  if (!c.taints.empty()) spec["taints"] = encodeTaints(c.taints);
  if (!c.startupTaints.empty()) spec["startupTaints"] = encodeTaints(c.startupTaints);
  if (!c.terminationGracePeriod.empty()) spec["terminationGracePeriod"] = c.terminationGracePeriod;
  return spec;
}

}  // namespace

json encodeNodeClaimStatus(const NodeClaim& c) {
  json status = json::object();
  if (!c.providerId.empty()) status["providerID"] = c.providerId;
  if (!c.imageId.empty()) status["imageID"] = c.imageId;
  if (!c.nodeName.empty()) status["nodeName"] = c.nodeName;
  if (!c.capacity.empty()) status["capacity"] = encodeResourceList(c.capacity);
  if (!c.allocatable.empty()) status["allocatable"] = encodeResourceList(c.allocatable);
  if (c.lastPodEventTime) status["lastPodEventTime"] = formatTimestamp(*c.lastPodEventTime);
  if (!c.conditions.empty()) status["conditions"] = encodeConditions(c.conditions);
  return status;
}

json encodeNodeClaim(const NodeClaim& c) {
  json out{{"apiVersion", nodeclaim::kApiVersion},
           {"kind", nodeclaim::kKind},
           {"metadata", encodeMetadata(c)},
           {"spec", encodeSpec(c)}};
  json status = encodeNodeClaimStatus(c);
  if (!status.empty()) out["status"] = std::move(status);
  return out;
}

namespace {

bool sameSecond(Clock::TimePoint a, Clock::TimePoint b) {
  using std::chrono::floor, std::chrono::seconds;
  return floor<seconds>(a) == floor<seconds>(b);
}

bool sameSecond(const std::optional<Clock::TimePoint>& a,
                const std::optional<Clock::TimePoint>& b) {
  return a.has_value() == b.has_value() && (!a || sameSecond(*a, *b));
}

bool sameEncoded(const Condition& a, const Condition& b) {
  return a.type == b.type && a.status == b.status && a.reason == b.reason &&
         a.message == b.message && a.observedGeneration == b.observedGeneration &&
         sameSecond(a.lastTransitionTime, b.lastTransitionTime);
}

}  // namespace

bool sameStatus(const NodeClaim& a, const NodeClaim& b) {
  return a.providerId == b.providerId && a.imageId == b.imageId && a.nodeName == b.nodeName &&
         a.capacity == b.capacity && a.allocatable == b.allocatable &&
         sameSecond(a.lastPodEventTime, b.lastPodEventTime) &&
         std::ranges::equal(a.conditions, b.conditions, sameEncoded);
}

NodeClaim withStoredStatus(NodeClaim claim, const NodeClaim& from) {
  using std::chrono::floor, std::chrono::seconds;
  claim.providerId = from.providerId;
  claim.imageId = from.imageId;
  claim.nodeName = from.nodeName;
  claim.capacity = from.capacity;
  claim.allocatable = from.allocatable;
  claim.lastPodEventTime.reset();
  if (from.lastPodEventTime) claim.lastPodEventTime = floor<seconds>(*from.lastPodEventTime);
  claim.conditions = from.conditions;
  for (Condition& c : claim.conditions) {
    c.lastTransitionTime = floor<seconds>(c.lastTransitionTime);
  }
  return claim;
}

json nodeClaimStatusPatch(const NodeClaim& c) {
  json status = encodeNodeClaimStatus(c);
  // In a merge patch an absent key keeps the stored value; null removes it. Write every
  // field so the patch sets the whole status to what `c` holds.
  for (const char* field : {"providerID", "imageID", "nodeName", "capacity", "allocatable",
                            "lastPodEventTime", "conditions"}) {
    if (!status.contains(field)) status[field] = nullptr;
  }
  json patch{{"status", std::move(status)}};
  if (!c.resourceVersion.empty()) patch["metadata"] = {{"resourceVersion", c.resourceVersion}};
  return patch;
}

}  // namespace gantry::api
