// Helpers shared by the decoders in this folder: typed field access that turns a type
// mismatch into a FieldError naming the path. Not part of the public API.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "src/api/decode.h"

namespace gantry::api::detail {

using nlohmann::json;

inline std::string join(const std::string& path, std::string_view field) {
  if (path.empty()) return std::string(field);
  return path + "." + std::string(field);
}
inline std::string index(const std::string& path, size_t i) {
  return path + "[" + std::to_string(i) + "]";
}

inline std::unexpected<FieldError> fieldError(std::string path, std::string message) {
  return std::unexpected<FieldError>(FieldError{std::move(path), std::move(message)});
}

// `obj[field]` if present and not null, else nullptr. REQUIRES: obj is an object or null.
inline const json* child(const json& obj, std::string_view field) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(field);
  if (it == obj.end() || it->is_null()) return nullptr;
  return &*it;
}

// A short, printable rendering of a value for error messages: JSON text, with invalid UTF-8
// replaced (dump() would throw on it) and anything longer than 80 characters cut with "...".
std::string describe(const json& v);

// Expectations on a present value; each returns the error to propagate, or nothing.
std::optional<FieldError> expectObject(const json& v, const std::string& path);
std::optional<FieldError> expectArray(const json& v, const std::string& path);

DecodeResult<std::string> stringField(const json& obj, const std::string& path,
                                      std::string_view field, std::string fallback = "");
DecodeResult<int64_t> intField(const json& obj, const std::string& path, std::string_view field,
                               int64_t fallback);
// The same, for int32 fields such as priority or weights: values outside [min, max] are an
// error naming the range.
DecodeResult<int32_t> int32Field(const json& obj, const std::string& path, std::string_view field,
                                 int32_t fallback, int32_t min = INT32_MIN, int32_t max = INT32_MAX);
DecodeResult<bool> boolField(const json& obj, const std::string& path, std::string_view field,
                             bool fallback);
DecodeResult<std::vector<std::string>> stringList(const json& obj, const std::string& path,
                                                  std::string_view field);

// metadata.name of a top-level object: metadata must be an object and the name non-empty.
DecodeResult<std::string> objectName(const json& object);

DecodeResult<LabelSelector> decodeLabelSelector(const json& value, const std::string& path);
DecodeResult<NodeSelectorTerm> decodeNodeSelectorTerm(const json& value, const std::string& path);
DecodeResult<std::vector<Toleration>> decodeTolerations(const json& value, const std::string& path);

// A NodePool's spec.disruption into `pool` (consolidateAfter, consolidationPolicy, budgets);
// returns the first error. Fields the block leaves out keep the values `pool` holds.
std::optional<FieldError> decodeDisruption(const json& disruption, NodePool& pool);

// A NodePool's template, held to the CRD's rules (nodepool_template_decode.cpp): labels
// (keys, values, count), taints (key and value syntax, count) and requirements (keys,
// operators, values, minValues, capacity types). Each returns the first error.
std::optional<FieldError> checkTemplateLabels(const Labels& labels, const std::string& path);
std::optional<FieldError> checkPoolTaints(const std::vector<Taint>& taints, const std::string& path);
DecodeResult<std::vector<Requirement>> decodePoolRequirements(const json& list,
                                                              const std::string& path);
// Karpenter's default: a pool that says nothing about the capacity type launches on-demand
// nodes, so gantry.dev/capacity-type In [on-demand] is added when no requirement names
// gantry.dev/capacity-type or karpenter.sh/capacity-type.
void addDefaultCapacityType(NodePool& pool);

// Pod spec parts decoded in pod_affinity_decode.cpp: spec.affinity (node affinity, pod
// affinity and anti-affinity) and spec.topologySpreadConstraints, into `pod`.
std::optional<FieldError> decodeAffinity(const json& aff, const std::string& path, Pod& pod);
std::optional<FieldError> decodeSpread(const json& list, const std::string& path, Pod& pod);

}  // namespace gantry::api::detail
