// Labels and the selection language over them: node-selector requirements (In, NotIn,
// Exists, DoesNotExist, Gt, Lt), node selector terms (an OR of ANDs), and label selectors
// (matchLabels + matchExpressions with In, NotIn, Exists, DoesNotExist) used by pod
// affinity and topology spread.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "src/common/status.h"

namespace gantry::api {

using Labels = std::map<std::string, std::string, std::less<>>;

enum class SelectorOp { kIn, kNotIn, kExists, kDoesNotExist, kGt, kLt };

// Parses "In", "NotIn", ... exactly as Kubernetes spells them. kInvalid otherwise.
Result<SelectorOp> parseSelectorOp(std::string_view text);
std::string_view selectorOpName(SelectorOp op);

// One requirement on one label key.
struct Requirement {
  std::string key;
  SelectorOp op = SelectorOp::kExists;
  std::vector<std::string> values;

  // Builds and validates: In/NotIn need >= 1 value, Exists/DoesNotExist none, Gt/Lt exactly
  // one integer. Returns kInvalid naming the key otherwise.
  static Result<Requirement> make(std::string key, SelectorOp op, std::vector<std::string> values);

  // Kubernetes node-affinity semantics: NotIn and DoesNotExist match a missing label; Gt/Lt
  // need the label to parse as an integer.
  bool matches(const Labels& labels) const;
  // The same, given the label's value (nullopt when the label is absent).
  bool matchesValue(std::optional<std::string_view> value) const;
  // "key In [a,b]"
  std::string toString() const;
  friend bool operator==(const Requirement&, const Requirement&) = default;
};

// A conjunction: every requirement must match. An empty term matches everything here;
// callers that need Kubernetes' "an empty term in a nodeSelector matches nothing" apply it.
struct NodeSelectorTerm {
  std::vector<Requirement> requirements;
  bool matches(const Labels& labels) const;
  std::string toString() const;
  friend bool operator==(const NodeSelectorTerm&, const NodeSelectorTerm&) = default;
};

// A disjunction of terms (requiredDuringSchedulingIgnoredDuringExecution).
// No terms at all means "no constraint".
struct NodeSelector {
  std::vector<NodeSelectorTerm> terms;
  bool matches(const Labels& labels) const;
  bool empty() const { return terms.empty(); }
  friend bool operator==(const NodeSelector&, const NodeSelector&) = default;
};

struct PreferredSchedulingTerm {
  int32_t weight = 0;
  NodeSelectorTerm term;
  friend bool operator==(const PreferredSchedulingTerm&, const PreferredSchedulingTerm&) = default;
};

// metav1.LabelSelector. A null selector (absent) matches nothing; an empty one matches all.
struct LabelSelector {
  Labels matchLabels;
  std::vector<Requirement> matchExpressions;  // In, NotIn, Exists, DoesNotExist only
  bool matches(const Labels& labels) const;
  friend bool operator==(const LabelSelector&, const LabelSelector&) = default;
};

}  // namespace gantry::api
