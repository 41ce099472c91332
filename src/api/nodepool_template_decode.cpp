// Decoding a NodePool's spec.template: its labels, taints and requirements, validated as
// deploy/crds/gantry.dev_nodepools.yaml validates them (the same paths, the same limits), so a
// pool read from a file is refused exactly where the apiserver would refuse it. Pod node
// selectors go through the more permissive decodeRequirement (decode_common.cpp) instead:
// Kubernetes itself accepts any key there.
#include <algorithm>

#include <nlohmann/json.hpp>

#include "src/api/decode_internal.h"
#include "src/api/nodepool_rules.h"
#include "src/api/well_known_labels.h"

namespace gantry::api::detail {
namespace {

constexpr size_t kMaxTemplateLabels = 100;
constexpr size_t kMaxRequirements = 100;
constexpr size_t kMaxRequirementValues = 1000;
constexpr size_t kMaxTaints = 100;

bool isCapacityTypeKey(std::string_view key) {
  return key == label::kCapacityType || key == label::kKarpenterCapacityType;
}

// The CRD's ^[0-9]{1,18}$ for Gt and Lt: non-negative, and small enough for an int64.
bool isSmallNonNegativeInteger(std::string_view s) {
  return !s.empty() && s.size() <= 18 &&
         std::ranges::all_of(s, [](char c) { return c >= '0' && c <= '9'; });
}

std::optional<FieldError> checkValues(SelectorOp op, const std::vector<std::string>& values,
                                      const std::string& path) {
  const std::string rp = join(path, "values");
  if (values.size() > kMaxRequirementValues) {
    return FieldError{rp, "at most 1000 values are allowed, got " + std::to_string(values.size())};
  }
  for (size_t i = 0; i < values.size(); ++i) {
    if (!isLabelValue(values[i])) {
      return FieldError{index(rp, i), "\"" + values[i].substr(0, 80) +
                                          "\" is not a label value (at most 63 letters, digits, "
                                          "'-', '_' or '.', starting and ending alphanumeric)"};
    }
  }
  switch (op) {
    case SelectorOp::kIn:
    case SelectorOp::kNotIn:
      if (values.empty()) {
        return FieldError{path, "requirements with operator 'In' or 'NotIn' must have a value"};
      }
      break;
    case SelectorOp::kExists:
    case SelectorOp::kDoesNotExist:
      if (!values.empty()) {
        return FieldError{path,
                          "requirements with operator 'Exists' or 'DoesNotExist' must have no values"};
      }
      break;
    case SelectorOp::kGt:
    case SelectorOp::kLt:
      if (values.size() != 1 || !isSmallNonNegativeInteger(values[0])) {
        return FieldError{path, "requirements with operator 'Gt' or 'Lt' must have a single "
                                "non-negative integer value (at most 18 digits)"};
      }
      break;
  }
  return std::nullopt;
}

DecodeResult<Requirement> decodePoolRequirement(const json& item, const std::string& path) {
  if (auto e = expectObject(item, path)) return std::unexpected(*e);
  auto key = stringField(item, path, "key");
  if (!key) return std::unexpected(key.error());
  if (!isQualifiedLabelKey(*key)) {
    return fieldError(join(path, "key"),
                      "\"" + key->substr(0, 80) +
                          "\" is not a qualified label key (an optional DNS prefix and '/', "
                          "then a name; at most 316 characters)");
  }
  if (auto problem = requirementKeyProblem(*key)) return fieldError(join(path, "key"), *problem);
  auto opText = stringField(item, path, "operator");
  if (!opText) return std::unexpected(opText.error());
  auto op = parseSelectorOp(*opText);
  if (!op) return fieldError(join(path, "operator"), op.error().message());
  auto values = stringList(item, path, "values");
  if (!values) return std::unexpected(values.error());
  if (auto e = checkValues(*op, *values, path)) return std::unexpected(*e);

  // minValues: the solver does not act on it, but a pool the CRD refuses must not plan. As in
  // Karpenter, only an In requirement is held to having that many values.
  if (child(item, "minValues")) {
    auto minValues = int32Field(item, path, "minValues", 1, 1, 50);
    if (!minValues) return std::unexpected(minValues.error());
    if (*op == SelectorOp::kIn && static_cast<int64_t>(values->size()) < *minValues) {
      return fieldError(path, "requirements with 'minValues' and operator 'In' need at least "
                              "that many values: minValues " + std::to_string(*minValues) +
                              ", " + std::to_string(values->size()) + " value(s)");
    }
  }
  if (isCapacityTypeKey(*key)) {
    for (const std::string& v : *values) {
      if (v != "spot" && v != "on-demand" && v != "reserved") {
        return fieldError(path, "capacity type values must be 'spot', 'on-demand' or 'reserved', "
                                "not \"" + v + "\"");
      }
    }
  }
  return Requirement{std::move(*key), *op, std::move(*values)};
}

}  // namespace

std::optional<FieldError> checkTemplateLabels(const Labels& labels, const std::string& path) {
  if (labels.size() > kMaxTemplateLabels) {
    return FieldError{path, "at most 100 labels are allowed, got " + std::to_string(labels.size())};
  }
  for (const auto& [key, value] : labels) {
    if (!isQualifiedLabelKey(key)) {
      return FieldError{path, "\"" + key.substr(0, 80) +
                                  "\": label keys must be qualified names (an optional DNS "
                                  "prefix, '/', and a name)"};
    }
    if (auto problem = templateLabelKeyProblem(key)) return FieldError{path, *problem};
    if (!isLabelValue(value)) {
      return FieldError{join(path, key), "\"" + value.substr(0, 80) + "\" is not a label value"};
    }
  }
  return std::nullopt;
}

std::optional<FieldError> checkPoolTaints(const std::vector<Taint>& taints, const std::string& path) {
  if (taints.size() > kMaxTaints) {
    return FieldError{path, "at most 100 taints are allowed, got " + std::to_string(taints.size())};
  }
  for (size_t i = 0; i < taints.size(); ++i) {
    if (!isQualifiedLabelKey(taints[i].key)) {
      return FieldError{index(path, i) + ".key",
                        "\"" + taints[i].key.substr(0, 80) + "\" is not a qualified name"};
    }
    if (!isLabelValue(taints[i].value)) {
      return FieldError{index(path, i) + ".value",
                        "\"" + taints[i].value.substr(0, 80) + "\" is not a label value"};
    }
  }
  return std::nullopt;
}

DecodeResult<std::vector<Requirement>> decodePoolRequirements(const json& list,
                                                              const std::string& path) {
  if (auto e = expectArray(list, path)) return std::unexpected(*e);
  if (list.size() > kMaxRequirements) {
    return fieldError(path, "at most 100 requirements are allowed, got " +
                                std::to_string(list.size()));
  }
  std::vector<Requirement> out;
  for (size_t i = 0; i < list.size(); ++i) {
    auto r = decodePoolRequirement(list[i], index(path, i));
    if (!r) return std::unexpected(r.error());
    out.push_back(std::move(*r));
  }
  return out;
}

void addDefaultCapacityType(NodePool& pool) {
  for (const Requirement& r : pool.requirements) {
    if (isCapacityTypeKey(r.key)) return;
  }
  pool.requirements.push_back(
      Requirement{std::string(label::kCapacityType), SelectorOp::kIn, {"on-demand"}});
}

}  // namespace gantry::api::detail
