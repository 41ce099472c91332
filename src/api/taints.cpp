// Toleration matching as the scheduler's TaintToleration plugin does it.
#include "src/api/taints.h"

namespace gantry::api {

Result<TaintEffect> parseTaintEffect(std::string_view text) {
  if (text == "NoSchedule") return TaintEffect::kNoSchedule;
  if (text == "PreferNoSchedule") return TaintEffect::kPreferNoSchedule;
  if (text == "NoExecute") return TaintEffect::kNoExecute;
  return fail(Status::invalid("unknown taint effect \"" + std::string(text) +
                              "\" (want NoSchedule, PreferNoSchedule or NoExecute)"));
}

std::string_view taintEffectName(TaintEffect effect) {
  switch (effect) {
    case TaintEffect::kNoSchedule: return "NoSchedule";
    case TaintEffect::kPreferNoSchedule: return "PreferNoSchedule";
    case TaintEffect::kNoExecute: return "NoExecute";
  }
  return "?";
}

std::string Taint::toString() const {
  std::string out = key;
  if (!value.empty()) out += "=" + value;
  out += ":";
  out += taintEffectName(effect);
  return out;
}

bool Toleration::tolerates(const Taint& taint) const {
  if (effect && *effect != taint.effect) return false;
  // An empty key with Exists matches every key; otherwise keys must be equal.
  if (!key.empty() && key != taint.key) return false;
  if (key.empty() && op != Op::kExists) return false;
  return op == Op::kExists || value == taint.value;
}

bool tolerated(const Taint& taint, const std::vector<Toleration>& tolerations) {
  for (const auto& t : tolerations) {
    if (t.tolerates(taint)) return true;
  }
  return false;
}

std::optional<Taint> firstUntolerated(const std::vector<Taint>& taints,
                                      const std::vector<Toleration>& tolerations) {
  for (const auto& taint : taints) {
    if (taint.effect == TaintEffect::kPreferNoSchedule) continue;
    if (!tolerated(taint, tolerations)) return taint;
  }
  return std::nullopt;
}

}  // namespace gantry::api
