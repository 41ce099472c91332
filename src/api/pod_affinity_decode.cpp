// Pod affinity, anti-affinity and topology spread decoding: the inter-pod scheduling
// constraints of a pod spec, as the scheduler reads them.
#include <nlohmann/json.hpp>

#include "src/api/decode_internal.h"

namespace gantry::api::detail {

namespace {

// A null label selector matches no objects (an empty one matches all); the model has no
// null, so a selector no pod can satisfy stands in for it.
LabelSelector nothingSelector() {
  LabelSelector sel;
  sel.matchExpressions.push_back({"gantry.dev/never", SelectorOp::kExists, {}});
  return sel;
}

// Preferred-term weights, for nodes and pods alike, are 1..100 in Kubernetes.
constexpr int32_t kMinWeight = 1;
constexpr int32_t kMaxWeight = 100;

DecodeResult<PodAffinityTerm> affinityTerm(const json& t, const std::string& here) {
  if (auto e = expectObject(t, here)) return std::unexpected(*e);
  PodAffinityTerm term;
  if (const json* sel = child(t, "labelSelector")) {
    auto s = decodeLabelSelector(*sel, join(here, "labelSelector"));
    if (!s) return std::unexpected(s.error());
    term.selector = std::move(*s);
  } else {
    term.selector = nothingSelector();
  }
  auto ns = stringList(t, here, "namespaces");
  if (!ns) return std::unexpected(ns.error());
  term.namespaces = std::move(*ns);
  auto key = stringField(t, here, "topologyKey");
  if (!key) return std::unexpected(key.error());
  if (key->empty()) return fieldError(join(here, "topologyKey"), "must not be empty");
  term.topologyKey = *key;
  return term;
}

DecodeResult<std::vector<PodAffinityTerm>> affinityTerms(const json& list, const std::string& path) {
  if (auto e = expectArray(list, path)) return std::unexpected(*e);
  std::vector<PodAffinityTerm> out;
  for (size_t i = 0; i < list.size(); ++i) {
    auto term = affinityTerm(list[i], index(path, i));
    if (!term) return std::unexpected(term.error());
    out.push_back(std::move(*term));
  }
  return out;
}

DecodeResult<std::vector<WeightedPodAffinityTerm>> weightedAffinityTerms(const json& list,
                                                                          const std::string& path) {
  if (auto e = expectArray(list, path)) return std::unexpected(*e);
  std::vector<WeightedPodAffinityTerm> out;
  for (size_t i = 0; i < list.size(); ++i) {
    const std::string here = index(path, i);
    if (auto e = expectObject(list[i], here)) return std::unexpected(*e);
    auto weight = int32Field(list[i], here, "weight", kMinWeight, kMinWeight, kMaxWeight);
    if (!weight) return std::unexpected(weight.error());
    const json* t = child(list[i], "podAffinityTerm");
    if (!t) return fieldError(join(here, "podAffinityTerm"), "required");
    auto term = affinityTerm(*t, join(here, "podAffinityTerm"));
    if (!term) return std::unexpected(term.error());
    out.push_back({*weight, std::move(*term)});
  }
  return out;
}

}  // namespace

std::optional<FieldError> decodeAffinity(const json& aff, const std::string& path, Pod& pod) {
  if (auto e = expectObject(aff, path)) return e;
  if (const json* na = child(aff, "nodeAffinity")) {
    const std::string np = join(path, "nodeAffinity");
    if (auto e = expectObject(*na, np)) return e;
    if (const json* req = child(*na, "requiredDuringSchedulingIgnoredDuringExecution")) {
      const std::string rp = join(np, "requiredDuringSchedulingIgnoredDuringExecution");
      if (auto e = expectObject(*req, rp)) return e;
      // The apiserver rejects a required node selector without terms. Accepting it would
      // turn "no node matches" into "no constraint", since an empty NodeSelector means that.
      const std::string tp = join(rp, "nodeSelectorTerms");
      const json* terms = child(*req, "nodeSelectorTerms");
      if (!terms) return FieldError{tp, "required: at least one node selector term"};
      if (auto e = expectArray(*terms, tp)) return e;
      if (terms->empty()) return FieldError{tp, "must have at least one node selector term"};
      for (size_t i = 0; i < terms->size(); ++i) {
        auto t = decodeNodeSelectorTerm((*terms)[i], index(tp, i));
        if (!t) return t.error();
        pod.requiredNodeAffinity.terms.push_back(std::move(*t));
      }
    }
    if (const json* pref = child(*na, "preferredDuringSchedulingIgnoredDuringExecution")) {
      const std::string pp = join(np, "preferredDuringSchedulingIgnoredDuringExecution");
      if (auto e = expectArray(*pref, pp)) return e;
      for (size_t i = 0; i < pref->size(); ++i) {
        const std::string here = index(pp, i);
        if (auto e = expectObject((*pref)[i], here)) return e;
        auto weight = int32Field((*pref)[i], here, "weight", kMinWeight, kMinWeight, kMaxWeight);
        if (!weight) return weight.error();
        const json* pt = child((*pref)[i], "preference");
        if (!pt) return FieldError{join(here, "preference"), "required"};
        auto t = decodeNodeSelectorTerm(*pt, join(here, "preference"));
        if (!t) return t.error();
        pod.preferredNodeAffinity.push_back({*weight, std::move(*t)});
      }
    }
  }
  struct Kind {
    std::string_view field;
    std::vector<PodAffinityTerm>* required;
    std::vector<WeightedPodAffinityTerm>* preferred;
  };
  for (const Kind& kind : {Kind{"podAffinity", &pod.requiredPodAffinity, &pod.preferredPodAffinity},
                           Kind{"podAntiAffinity", &pod.requiredPodAntiAffinity,
                                &pod.preferredPodAntiAffinity}}) {
    const json* pa = child(aff, kind.field);
    if (!pa) continue;
    const std::string kp = join(path, kind.field);
    if (auto e = expectObject(*pa, kp)) return e;
    if (const json* req = child(*pa, "requiredDuringSchedulingIgnoredDuringExecution")) {
      auto t = affinityTerms(*req, join(kp, "requiredDuringSchedulingIgnoredDuringExecution"));
      if (!t) return t.error();
      *kind.required = std::move(*t);
    }
    if (const json* pref = child(*pa, "preferredDuringSchedulingIgnoredDuringExecution")) {
      auto t = weightedAffinityTerms(*pref, join(kp, "preferredDuringSchedulingIgnoredDuringExecution"));
      if (!t) return t.error();
      *kind.preferred = std::move(*t);
    }
  }
  return std::nullopt;
}

std::optional<FieldError> decodeSpread(const json& list, const std::string& path, Pod& pod) {
  if (auto e = expectArray(list, path)) return e;
  for (size_t i = 0; i < list.size(); ++i) {
    const std::string here = index(path, i);
    const json& c = list[i];
    if (auto e = expectObject(c, here)) return e;
    TopologySpreadConstraint tsc;
    auto skew = int32Field(c, here, "maxSkew", 1, 1);
    if (!skew) return skew.error();
    tsc.maxSkew = *skew;
    auto key = stringField(c, here, "topologyKey");
    if (!key) return key.error();
    if (key->empty()) return FieldError{join(here, "topologyKey"), "must not be empty"};
    tsc.topologyKey = *key;
    auto when = stringField(c, here, "whenUnsatisfiable", "DoNotSchedule");
    if (!when) return when.error();
    if (*when == "ScheduleAnyway") {
      tsc.whenUnsatisfiable = UnsatisfiableAction::kScheduleAnyway;
    } else if (*when != "DoNotSchedule") {
      return FieldError{join(here, "whenUnsatisfiable"),
                        "unknown value \"" + *when + "\" (want DoNotSchedule or ScheduleAnyway)"};
    }
    if (const json* sel = child(c, "labelSelector")) {
      auto s = decodeLabelSelector(*sel, join(here, "labelSelector"));
      if (!s) return s.error();
      tsc.selector = std::move(*s);
    } else {
      tsc.selector = nothingSelector();  // counts no pods, so it never constrains
    }
    if (child(c, "minDomains")) {
      auto md = int32Field(c, here, "minDomains", 1, 1);
      if (!md) return md.error();
      if (tsc.whenUnsatisfiable != UnsatisfiableAction::kDoNotSchedule) {
        return FieldError{join(here, "minDomains"),
                          "can only be set when whenUnsatisfiable is DoNotSchedule"};
      }
      tsc.minDomains = *md;
    }
    pod.topologySpread.push_back(std::move(tsc));
  }
  return std::nullopt;
}

}  // namespace gantry::api::detail
