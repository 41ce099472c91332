// Counters and checks for pod (anti-)affinity and topology spread. Each constraint of a
// pending class becomes a check against a counter; pods increment every counter whose
// selector and namespaces match them, wherever they are placed.
#include "binpack/topology.h"

#include <algorithm>
#include <limits>

#include "src/api/well_known_labels.h"

namespace gantry::binpack {

namespace {

bool nsMatches(const std::vector<std::string>& namespaces, const std::string& ns) {
  return std::find(namespaces.begin(), namespaces.end(), ns) != namespaces.end();
}

std::string podNamespace(const std::string& key) { return key.substr(0, key.find('/')); }

bool sameSelector(const api::LabelSelector& a, const api::LabelSelector& b) {
  if (a.matchLabels != b.matchLabels || a.matchExpressions.size() != b.matchExpressions.size()) {
    return false;
  }
  for (size_t i = 0; i < a.matchExpressions.size(); ++i) {
    if (a.matchExpressions[i].toString() != b.matchExpressions[i].toString()) return false;
  }
  return true;
}

// "app=db,tier In [x]": for unschedulable reasons.
std::string selectorText(const api::LabelSelector& sel) {
  std::string out;
  for (const auto& [k, v] : sel.matchLabels) out += (out.empty() ? "" : ",") + k + "=" + v;
  for (const auto& r : sel.matchExpressions) out += (out.empty() ? "" : ",") + r.toString();
  return out.empty() ? "everything" : out;
}

}  // namespace

Topology::KeyKind Topology::kindOf(std::string_view key) {
  if (key == api::label::kHostname) return KeyKind::kHost;
  if (key == api::label::kZone || key == api::label::kLegacyZone) return KeyKind::kZone;
  return KeyKind::kOther;
}

size_t Topology::counterFor(const std::string& key, const api::LabelSelector& sel,
                            std::vector<std::string> namespaces) {
  std::sort(namespaces.begin(), namespaces.end());
  for (size_t i = 0; i < counters_.size(); ++i) {
    const Counter& c = counters_[i];
    if (c.key == key && c.namespaces == namespaces && sameSelector(c.selector, sel)) return i;
  }
  counters_.push_back(Counter{key, kindOf(key), sel, std::move(namespaces), {}, 0, false, false});
  return counters_.size() - 1;
}

Topology::Topology(const std::vector<PodClass>& classes, const Snapshot& snapshot) {
  checks_.resize(classes.size());
  countedBy_.resize(classes.size());
  ownerOf_.resize(classes.size());
  needsZone_.assign(classes.size(), false);
  std::vector<bool> isOwnerCounter;
  // Owner counters count the pods that carry an anti-affinity term; a pod matching the
  // term's selector may not join their domain (the scheduler checks both directions).
  struct OwnerTerm {
    size_t counter;
    api::LabelSelector selector;
    std::vector<std::string> namespaces;
  };
  std::vector<OwnerTerm> ownerTerms;

  for (size_t ci = 0; ci < classes.size(); ++ci) {
    const api::Pod& p = *classes[ci].rep;
    auto ownNs = [&](const std::vector<std::string>& ns) {
      return ns.empty() ? std::vector<std::string>{p.ns} : ns;
    };
    auto addTerm = [&](Rule rule, const api::PodAffinityTerm& t, bool preferred) {
      auto namespaces = ownNs(t.namespaces);
      size_t counter = counterFor(t.topologyKey, t.selector, namespaces);
      bool self = t.selector.matches(p.labels) && nsMatches(namespaces, p.ns);
      checks_[ci].push_back(Check{rule, counter, preferred, 1, 0, self});
    };
    for (const auto& tsc : p.topologySpread) {
      size_t counter = counterFor(tsc.topologyKey, tsc.selector, {p.ns});
      bool self = tsc.selector.matches(p.labels);
      checks_[ci].push_back(Check{Rule::kSpread, counter,
                                  tsc.whenUnsatisfiable == api::UnsatisfiableAction::kScheduleAnyway,
                                  tsc.maxSkew, tsc.minDomains.value_or(0), self});
    }
    for (const auto& t : p.requiredPodAffinity) addTerm(Rule::kAffinity, t, false);
    for (const auto& t : p.preferredPodAffinity) addTerm(Rule::kAffinity, t.term, true);
    for (const auto& t : p.requiredPodAntiAffinity) {
      addTerm(Rule::kAntiAffinity, t, false);
      // A dedicated counter (never shared) that only this class's pods increment.
      counters_.push_back(Counter{t.topologyKey, kindOf(t.topologyKey), {}, {}, {}, 0, false, false});
      ownerOf_[ci].push_back(counters_.size() - 1);
      ownerTerms.push_back({counters_.size() - 1, t.selector, ownNs(t.namespaces)});
    }
    for (const auto& t : p.preferredPodAntiAffinity) addTerm(Rule::kAntiAffinity, t.term, true);
  }
  isOwnerCounter.assign(counters_.size(), false);
  for (const auto& o : ownerTerms) isOwnerCounter[o.counter] = true;

  for (size_t ci = 0; ci < classes.size(); ++ci) {
    const api::Pod& p = *classes[ci].rep;
    for (size_t k = 0; k < counters_.size(); ++k) {
      if (isOwnerCounter[k]) continue;
      const Counter& c = counters_[k];
      if (nsMatches(c.namespaces, p.ns) && c.selector.matches(p.labels)) countedBy_[ci].push_back(k);
    }
    for (const auto& o : ownerTerms) {
      if (nsMatches(o.namespaces, p.ns) && o.selector.matches(p.labels)) {
        checks_[ci].push_back(Check{Rule::kAntiAffinityOwner, o.counter, false, 1, 0, false});
      }
    }
    auto zoned = [&](size_t k) { return counters_[k].kind == KeyKind::kZone; };
    needsZone_[ci] =
        std::any_of(checks_[ci].begin(), checks_[ci].end(), [&](const Check& ch) { return zoned(ch.counter); }) ||
        std::any_of(countedBy_[ci].begin(), countedBy_[ci].end(), zoned) ||
        std::any_of(ownerOf_[ci].begin(), ownerOf_[ci].end(), zoned);
  }

  for (Counter& c : counters_) {
    if (c.kind != KeyKind::kOther) continue;
    c.onExistingNode = std::any_of(snapshot.nodes.begin(), snapshot.nodes.end(),
                                   [&](const api::Node& n) { return n.labels.count(c.key) > 0; });
  }

  // Seed with pods already running on existing nodes (their anti-affinity terms are not
  // known here, only their labels).
  for (const auto& node : snapshot.nodes) {
    std::optional<std::string> zone;
    if (auto it = node.labels.find(api::label::kZone); it != node.labels.end()) zone = it->second;
    DomainRef ref{"node/" + node.name, zone, &node.labels};
    for (const auto& [key, labels] : node.pods) {
      const std::string ns = podNamespace(key);
      for (size_t k = 0; k < counters_.size(); ++k) {
        Counter& c = counters_[k];
        if (isOwnerCounter[k] || !nsMatches(c.namespaces, ns) || !c.selector.matches(labels)) continue;
        if (auto d = domainOf(c, ref)) {
          ++c.counts[*d];
          ++c.total;
        }
      }
    }
  }
}

std::optional<std::string> Topology::domainOf(const Counter& counter, const DomainRef& node) const {
  switch (counter.kind) {
    case KeyKind::kHost: return node.host;
    case KeyKind::kZone: return node.zone;
    case KeyKind::kOther:
      if (node.labels) {
        if (auto it = node.labels->find(counter.key); it != node.labels->end()) return it->second;
      }
      return std::nullopt;
  }
  return std::nullopt;
}

int64_t Topology::minCount(const Check& check, const Counter& counter,
                           const std::vector<std::string>& eligibleZones) const {
  // A new node is always a possible host domain with zero pods, so host skew is measured
  // from zero; zone skew from the least-loaded eligible zone.
  if (counter.kind != KeyKind::kZone) return 0;
  if (check.minDomains > 0 && eligibleZones.size() < static_cast<size_t>(check.minDomains)) return 0;
  int64_t least = std::numeric_limits<int64_t>::max();
  for (const auto& z : eligibleZones) {
    auto it = counter.counts.find(z);
    least = std::min(least, it == counter.counts.end() ? 0 : it->second);
  }
  return least == std::numeric_limits<int64_t>::max() ? 0 : least;
}

bool Topology::checkDomain(const Check& check, const Counter& counter, const std::string& domain,
                           int64_t least) const {
  auto it = counter.counts.find(domain);
  const int64_t here = it == counter.counts.end() ? 0 : it->second;
  switch (check.rule) {
    case Rule::kSpread: return here + (check.selfMatch ? 1 : 0) - least <= check.maxSkew;
    case Rule::kAffinity: return here > 0 || (counter.total == 0 && check.selfMatch);
    case Rule::kAntiAffinity:
    case Rule::kAntiAffinityOwner: return here == 0;
  }
  return false;
}

std::vector<std::string> Topology::allowedZones(size_t c, bool strict,
                                                const std::vector<std::string>& candidates,
                                                const std::vector<std::string>& eligible) const {
  std::vector<std::string> out;
  for (const auto& zone : candidates) {
    bool ok = true;
    for (const Check& check : checks_[c]) {
      const Counter& counter = counters_[check.counter];
      if (counter.kind != KeyKind::kZone || (check.preferred && !strict)) continue;
      if (!checkDomain(check, counter, zone, minCount(check, counter, eligible))) {
        ok = false;
        break;
      }
    }
    if (ok) out.push_back(zone);
  }
  return out;
}

Topology::Verdict Topology::judge(size_t c, bool strict, const DomainRef& node,
                                  const std::vector<std::string>& eligibleZones) const {
  Verdict verdict = Verdict::kAllowed;
  for (const Check& check : checks_[c]) {
    if (check.preferred && !strict) continue;
    const Counter& counter = counters_[check.counter];
    auto domain = domainOf(counter, node);
    if (!domain) {
      if (counter.kind == KeyKind::kZone) continue;  // decided by allowedZones when pinned
      // A node without the key: anti-affinity cannot be violated there; affinity and
      // spread cannot be satisfied (the scheduler filters such nodes).
      if (check.rule == Rule::kAntiAffinity || check.rule == Rule::kAntiAffinityOwner) continue;
      return Verdict::kNever;
    }
    if (checkDomain(check, counter, *domain, minCount(check, counter, eligibleZones))) continue;
    // Host and other-label minimums are 0 (minCount), so only a zone's refusal or an
    // affinity's can be lifted by pods placed later.
    if (counter.kind != KeyKind::kZone && check.rule != Rule::kAffinity) return Verdict::kNever;
    verdict = Verdict::kNotNow;
  }
  return verdict;
}

bool Topology::allowsNewNode(size_t c, bool strict, const DomainRef& node) const {
  for (const Check& check : checks_[c]) {
    if (check.preferred && !strict) continue;
    if (check.rule != Rule::kAffinity && check.rule != Rule::kSpread) continue;
    const Counter& counter = counters_[check.counter];
    if (counter.kind == KeyKind::kZone) continue;
    auto domain = domainOf(counter, node);
    if (!domain) {
      if (counter.launchable) continue;
      return false;
    }
    if (check.rule == Rule::kAffinity && !checkDomain(check, counter, *domain, 0)) return false;
  }
  return true;
}

void Topology::record(size_t c, const DomainRef& node, int64_t count) {
  auto bump = [&](size_t k) {
    Counter& counter = counters_[k];
    if (auto d = domainOf(counter, node)) {
      counter.counts[*d] += count;
      counter.total += count;
    }
  };
  for (size_t k : countedBy_[c]) bump(k);
  for (size_t k : ownerOf_[c]) bump(k);
}

std::vector<std::string> Topology::otherKeys() const {
  std::vector<std::string> keys;
  for (const Counter& c : counters_) {
    if (c.kind == KeyKind::kOther && std::find(keys.begin(), keys.end(), c.key) == keys.end()) {
      keys.push_back(c.key);
    }
  }
  return keys;
}

void Topology::setLaunchableKey(const std::string& key) {
  for (Counter& c : counters_) {
    if (c.key == key) c.launchable = true;
  }
}

std::string Topology::impossibleReason(size_t c) const {
  for (const Check& check : checks_[c]) {
    if (check.preferred) continue;  // preferences and ScheduleAnyway never block
    const Counter& counter = counters_[check.counter];
    const bool keyNowhere =
        counter.kind == KeyKind::kOther && !counter.onExistingNode && !counter.launchable;
    if ((check.rule == Rule::kAffinity || check.rule == Rule::kSpread) && keyNowhere) {
      return std::string(check.rule == Rule::kAffinity ? "required pod affinity"
                                                       : "DoNotSchedule topology spread") +
             " uses topology key " + counter.key +
             ", which no existing node, NodePool or instance type carries";
    }
    if (check.rule == Rule::kAffinity && counter.total == 0 && !check.selfMatch) {
      return "required pod affinity (topology key " + counter.key + ", selector " +
             selectorText(counter.selector) +
             ") matches no pod: none pending, none on existing nodes, and the pod does not "
             "match it itself";
    }
  }
  return "";
}

std::string Topology::leastLoadedZone(size_t c, const std::vector<std::string>& candidates) const {
  std::string best = candidates.front();
  int64_t bestLoad = std::numeric_limits<int64_t>::max();
  for (const auto& zone : candidates) {
    int64_t load = 0;
    for (const Check& check : checks_[c]) {
      const Counter& counter = counters_[check.counter];
      if (check.rule != Rule::kSpread || counter.kind != KeyKind::kZone) continue;
      auto it = counter.counts.find(zone);
      load += it == counter.counts.end() ? 0 : it->second;
    }
    if (load < bestLoad) {
      bestLoad = load;
      best = zone;
    }
  }
  return best;
}

}  // namespace gantry::binpack
