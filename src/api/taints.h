// Taints on nodes and the tolerations pods carry, with the Kubernetes matching rules.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "src/common/status.h"

namespace gantry::api {

enum class TaintEffect { kNoSchedule, kPreferNoSchedule, kNoExecute };
Result<TaintEffect> parseTaintEffect(std::string_view text);
std::string_view taintEffectName(TaintEffect effect);

struct Taint {
  std::string key;
  std::string value;
  TaintEffect effect = TaintEffect::kNoSchedule;
  // "key=value:Effect" or "key:Effect"
  std::string toString() const;
  friend bool operator==(const Taint&, const Taint&) = default;
};

struct Toleration {
  enum class Op { kEqual, kExists };
  std::string key;  // empty with kExists tolerates every taint
  Op op = Op::kEqual;
  std::string value;
  std::optional<TaintEffect> effect;  // empty tolerates every effect
  std::optional<int64_t> tolerationSeconds;

  bool tolerates(const Taint& taint) const;
  friend bool operator==(const Toleration&, const Toleration&) = default;
};

// True if some toleration tolerates the taint.
bool tolerated(const Taint& taint, const std::vector<Toleration>& tolerations);

// The first taint with effect NoSchedule or NoExecute that no toleration tolerates, i.e.
// the reason the scheduler would refuse the node. PreferNoSchedule never blocks.
std::optional<Taint> firstUntolerated(const std::vector<Taint>& taints,
                                      const std::vector<Toleration>& tolerations);

}  // namespace gantry::api
