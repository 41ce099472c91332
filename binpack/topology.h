// Topology bookkeeping for pod affinity, pod anti-affinity and topology spread: per
// (selector, namespaces, topology key) counters of matching pods in each domain (a zone,
// a node, or a label value), seeded from pods already on existing nodes and updated as
// the solver places pods. The checks follow the scheduler's InterPodAffinity and
// PodTopologySpread plugins.
#pragma once

#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "binpack/pod_class.h"
#include "binpack/snapshot.h"

namespace gantry::binpack {

// Where a pod would run, as far as topology is concerned.
struct DomainRef {
  std::string host;                 // unique node id
  std::optional<std::string> zone;  // unset while a new node's zone is still open
  const api::Labels* labels = nullptr;  // node labels (existing) or pool labels (new)
};

class Topology {
 public:
  // REQUIRES: classes outlive the Topology.
  Topology(const std::vector<PodClass>& classes, const Snapshot& snapshot);

  // True if class `c` has any constraint or counter keyed on zone, so a new node that
  // takes it must have its zone decided first.
  bool needsZone(size_t c) const { return needsZone_[c]; }

  // Zones (by name, from `candidates`) where one more pod of class `c` may go given the
  // zone-keyed constraints. `strict` also enforces preferences and ScheduleAnyway.
  // `eligible` are the zones the class could use at all (spread's domain set).
  std::vector<std::string> allowedZones(size_t c, bool strict,
                                        const std::vector<std::string>& candidates,
                                        const std::vector<std::string>& eligible) const;

  // Whether one more pod of class `c` may go to the node, checking every constraint whose
  // key resolves on it (hostname, zone when known, other labels). A refusal says how long it
  // lasts while class `c` is being placed (only its own pods are recorded then, so counts only
  // grow): kNever when a hostname or other-label domain is refused by a spread or
  // anti-affinity (its count can only rise) or lacks the key; kNotNow when only zone counts or
  // a pod affinity refuse it (the zones' minimum, or the pod the affinity waits for, may still
  // come). Callers scanning many nodes per pod drop the kNever ones for the rest of the class.
  enum class Verdict { kAllowed, kNotNow, kNever };
  Verdict judge(size_t c, bool strict, const DomainRef& node,
                const std::vector<std::string>& eligibleZones) const;

  // Whether a node about to be opened for class `c` could ever host it: its required pod
  // affinity holds there (on the hostname, only a self-affine group's first pod starts a
  // node) and every required affinity or DoNotSchedule spread key is one the node can carry.
  // `node.labels` are the pool's; a key missing from them passes when some instance type or
  // offering could bring it (the type is not chosen yet). Zone keys are for allowedZones;
  // skew is not judged here (the node's domain may be shared with nodes of the same pool).
  bool allowsNewNode(size_t c, bool strict, const DomainRef& node) const;

  // Records `count` pods of class `c` placed on `node` (zone must be known if needsZone).
  void record(size_t c, const DomainRef& node, int64_t count);

  // Label keys (other than hostname and zone) that constraints are keyed on, each once; the
  // caller says which of them a node it may launch can carry (pool, type or offering labels).
  std::vector<std::string> otherKeys() const;
  void setLaunchableKey(const std::string& key);

  // Why class `c` can never be placed whatever is bought, or "" when it might be: a required
  // pod affinity that matches no pod (none pending, none on existing nodes, and the pod does
  // not match its own term, which is what lets a self-affine group's first pod in), or a
  // required affinity / DoNotSchedule spread on a key no existing or launchable node carries.
  std::string impossibleReason(size_t c) const;

  // Spread domain counts are lowest where the next pod should go: the zone among
  // `candidates` with the fewest matching pods for c's zone spread constraints (ties keep
  // the candidates' order).
  std::string leastLoadedZone(size_t c, const std::vector<std::string>& candidates) const;

 private:
  enum class KeyKind { kHost, kZone, kOther };
  struct Counter {
    std::string key;
    KeyKind kind = KeyKind::kOther;
    api::LabelSelector selector;
    std::vector<std::string> namespaces;
    std::unordered_map<std::string, int64_t> counts;
    int64_t total = 0;
    // For kOther keys: some existing node has the key / some node we may launch could.
    bool onExistingNode = false;
    bool launchable = false;
  };
  enum class Rule { kSpread, kAffinity, kAntiAffinity, kAntiAffinityOwner };
  struct Check {
    Rule rule;
    size_t counter;
    bool preferred = false;  // only enforced when strict
    int32_t maxSkew = 1;
    int32_t minDomains = 0;
    bool selfMatch = false;  // the pod itself matches the counter (affinity bootstrap, spread +1)
  };

  size_t counterFor(const std::string& key, const api::LabelSelector& sel,
                    std::vector<std::string> namespaces);
  std::optional<std::string> domainOf(const Counter& counter, const DomainRef& node) const;
  bool checkDomain(const Check& check, const Counter& counter, const std::string& domain,
                   int64_t minCount) const;
  int64_t minCount(const Check& check, const Counter& counter,
                   const std::vector<std::string>& eligibleZones) const;
  static KeyKind kindOf(std::string_view key);

  std::vector<Counter> counters_;
  std::vector<std::vector<Check>> checks_;       // per class
  std::vector<std::vector<size_t>> countedBy_;  // per class: counters its pods increment
  std::vector<std::vector<size_t>> ownerOf_;    // per class: owner counters it increments
  std::vector<bool> needsZone_;
};

}  // namespace gantry::binpack
