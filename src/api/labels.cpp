// Matching rules for node-selector requirements and label selectors, following the
// Kubernetes scheduler: NotIn/DoesNotExist accept a missing label, Gt/Lt compare integers.
#include "src/api/labels.h"

#include <algorithm>
#include <charconv>

namespace gantry::api {

namespace {

std::optional<int64_t> parseInt(std::string_view text) {
  int64_t v = 0;
  if (text.empty()) return std::nullopt;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || ptr != text.data() + text.size()) return std::nullopt;
  return v;
}

bool contains(const std::vector<std::string>& values, std::string_view v) {
  return std::find(values.begin(), values.end(), v) != values.end();
}

}  // namespace

Result<SelectorOp> parseSelectorOp(std::string_view text) {
  if (text == "In") return SelectorOp::kIn;
  if (text == "NotIn") return SelectorOp::kNotIn;
  if (text == "Exists") return SelectorOp::kExists;
  if (text == "DoesNotExist") return SelectorOp::kDoesNotExist;
  if (text == "Gt") return SelectorOp::kGt;
  if (text == "Lt") return SelectorOp::kLt;
  return fail(Status::invalid("unknown operator \"" + std::string(text) +
                              "\" (want In, NotIn, Exists, DoesNotExist, Gt or Lt)"));
}

std::string_view selectorOpName(SelectorOp op) {
  switch (op) {
    case SelectorOp::kIn: return "In";
    case SelectorOp::kNotIn: return "NotIn";
    case SelectorOp::kExists: return "Exists";
    case SelectorOp::kDoesNotExist: return "DoesNotExist";
    case SelectorOp::kGt: return "Gt";
    case SelectorOp::kLt: return "Lt";
  }
  return "?";
}

Result<Requirement> Requirement::make(std::string key, SelectorOp op,
                                      std::vector<std::string> values) {
  if (key.empty()) return fail(Status::invalid("requirement has an empty key"));
  switch (op) {
    case SelectorOp::kIn:
    case SelectorOp::kNotIn:
      if (values.empty()) {
        return fail(Status::invalid("requirement on \"" + key + "\": " +
                                    std::string(selectorOpName(op)) + " needs values"));
      }
      break;
    case SelectorOp::kExists:
    case SelectorOp::kDoesNotExist:
      if (!values.empty()) {
        return fail(Status::invalid("requirement on \"" + key + "\": " +
                                    std::string(selectorOpName(op)) + " takes no values"));
      }
      break;
    case SelectorOp::kGt:
    case SelectorOp::kLt:
      if (values.size() != 1 || !parseInt(values[0])) {
        return fail(Status::invalid("requirement on \"" + key + "\": " +
                                    std::string(selectorOpName(op)) +
                                    " needs exactly one integer value"));
      }
      break;
  }
  return Requirement{std::move(key), op, std::move(values)};
}

bool Requirement::matches(const Labels& labels) const {
  auto it = labels.find(key);
  if (it == labels.end()) return matchesValue(std::nullopt);
  return matchesValue(it->second);
}

bool Requirement::matchesValue(std::optional<std::string_view> value) const {
  const bool present = value.has_value();
  switch (op) {
    case SelectorOp::kIn: return present && contains(values, *value);
    case SelectorOp::kNotIn: return !present || !contains(values, *value);
    case SelectorOp::kExists: return present;
    case SelectorOp::kDoesNotExist: return !present;
    case SelectorOp::kGt:
    case SelectorOp::kLt: {
      if (!present || values.size() != 1) return false;
      auto have = parseInt(*value);
      auto want = parseInt(values[0]);
      if (!have || !want) return false;
      return op == SelectorOp::kGt ? *have > *want : *have < *want;
    }
  }
  return false;
}

std::string Requirement::toString() const {
  std::string out = key + " " + std::string(selectorOpName(op));
  if (!values.empty()) {
    out += " [";
    for (size_t i = 0; i < values.size(); ++i) {
      if (i) out += ",";
      out += values[i];
    }
    out += "]";
  }
  return out;
}

bool NodeSelectorTerm::matches(const Labels& labels) const {
  return std::all_of(requirements.begin(), requirements.end(),
                     [&](const Requirement& r) { return r.matches(labels); });
}

std::string NodeSelectorTerm::toString() const {
  std::string out;
  for (const auto& r : requirements) {
    if (!out.empty()) out += ", ";
    out += r.toString();
  }
  return out;
}

bool NodeSelector::matches(const Labels& labels) const {
  if (terms.empty()) return true;
  // Kubernetes: an empty term matches no objects, so it can never satisfy the OR.
  return std::any_of(terms.begin(), terms.end(), [&](const NodeSelectorTerm& t) {
    return !t.requirements.empty() && t.matches(labels);
  });
}

bool LabelSelector::matches(const Labels& labels) const {
  for (const auto& [k, v] : matchLabels) {
    auto it = labels.find(k);
    if (it == labels.end() || it->second != v) return false;
  }
  return std::all_of(matchExpressions.begin(), matchExpressions.end(),
                     [&](const Requirement& r) { return r.matches(labels); });
}

}  // namespace gantry::api
