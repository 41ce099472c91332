// What the provisioner's last passes promised to existing capacity: pods it planned onto an
// existing Node or an in-flight NodeClaim. Karpenter calls these nominations. The pods are
// still pending (kube-scheduler binds them a moment later), so nothing in the cluster shows
// them on the node yet; without this record the emptiness check would see an empty node and
// reap the very node the next Katib trial is about to land on.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "src/common/clock.h"

namespace gantry::provisioner::state {

// Thread-safe.
class Nominations {
 public:
  // How long a nomination holds: twice the longest batch window, as Karpenter's, which covers
  // the scheduler binding the pod and the next pass renewing it if it has not.
  explicit Nominations(Clock::Duration ttl = std::chrono::seconds(20)) : ttl_(ttl) {}

  // `pods` ("ns/name") were planned onto `target` (a Node or NodeClaim name) at `now`.
  void nominate(const std::string& target, const std::vector<std::string>& pods,
                Clock::TimePoint now);
  // Whether `target` holds a nomination that has not expired at `now`.
  bool nominated(const std::string& target, Clock::TimePoint now) const;
  // The pods of that nomination (empty when none or expired).
  std::vector<std::string> podsFor(const std::string& target, Clock::TimePoint now) const;
  // Every pod of a nomination that has not expired at `now` ("ns/name"): the pods waiting
  // for capacity Gantry planned for them (gantry_pods_pending{reason="nominated"}).
  std::set<std::string> nominatedPods(Clock::TimePoint now) const;
  // Drops expired nominations (callers need not; it keeps the map small).
  void prune(Clock::TimePoint now);

 private:
  struct Entry {
    Clock::TimePoint at;
    std::vector<std::string> pods;
  };
  const Clock::Duration ttl_;
  mutable std::mutex mu_;
  std::map<std::string, Entry> byTarget_;  // guarded by mu_
};

}  // namespace gantry::provisioner::state
