// Leader election on a coordination.k8s.io/v1 Lease with client-go's semantics, so only one
// Gantry controller replica acts on the cluster at a time and a standby takes over when the
// leader dies (after the lease expires) or steps down (at once: it releases the lease).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "src/common/clock.h"
#include "src/common/status.h"
#include "src/kube/rest_client.h"

namespace gantry::kube {

struct LeaderElectionConfig {
  std::string leaseNamespace{};
  std::string leaseName{};
  std::string identity{};  // unique per candidate: pod name + a random suffix, say
  // How long a standby waits, on its own clock, after it last saw the Lease change before it
  // takes over. Written to the Lease in whole seconds (rounded up).
  std::chrono::milliseconds leaseDuration{15000};
  // The leader steps down when it has not renewed for this long. REQUIRES: < leaseDuration,
  // so the old leader has stopped before anyone else can start.
  std::chrono::milliseconds renewDeadline{10000};
  // The pause between attempts to acquire or renew. REQUIRES: renewDeadline > 1.2 * this.
  std::chrono::milliseconds retryPeriod{2000};
  // On stop(), hand the Lease over (empty holder, leaseDurationSeconds 1) so a standby takes
  // over at its next attempt instead of after leaseDuration.
  bool releaseOnStop = true;
};

// Called on the elector's threads, never concurrently with each other except onStartedLeading
// (which has a thread of its own). They must not call stop() or the destructor.
struct LeaderCallbacks {
  // The leader's work, run on its own thread once the Lease is ours. It must return soon
  // after `stop` is requested (leadership lost, or stop()): onStoppedLeading and the Lease
  // release wait for it.
  std::function<void(std::stop_token stop)> onStartedLeading{};
  // After the work has returned, once per leadership term; not called if we never led.
  std::function<void()> onStoppedLeading{};
  // When the observed holder changes (to us or to another candidate; "" = released).
  std::function<void(const std::string& identity)> onNewLeader{};
};

// One candidate. As in client-go, a run() ends when leadership is lost (renewal failed for
// renewDeadline, or another holder took the Lease): a new elector is needed to contend again,
// and most callers exit so the process restarts clean.
// Thread-safe: start/stop/isLeader/leader/done may be called from any thread.
class LeaderElector {
 public:
  // REQUIRES: client and clock outlive the elector. `client` should be dedicated to the
  // elector (its own Connection) so a busy main client never starves renewals, and its
  // requestTimeout and retries must be well below renewDeadline (say requestTimeout =
  // retryPeriod, maxRetries 0): a call that hangs for longer delays the step-down.
  LeaderElector(RestClient& client, Clock& clock, LeaderElectionConfig config,
                LeaderCallbacks callbacks);
  // Calls stop().
  ~LeaderElector();

  LeaderElector(const LeaderElector&) = delete;
  LeaderElector& operator=(const LeaderElector&) = delete;

  // Checks the config and starts the run loop on a thread of its own. Errors: kInvalid for a
  // bad config (empty names, or the duration ordering above); kInternal if already started.
  Status start();

  // Ends the run loop: stops the leader's work and waits for it, releases the Lease if we
  // hold it (releaseOnStop), calls onStoppedLeading if we led, and joins. Idempotent; returns
  // within about one API call.
  void stop();

  // True while we hold the Lease and have renewed it within renewDeadline (for health checks).
  bool isLeader() const;
  // The holder identity last observed in the Lease ("" before the first read or if released).
  std::string leader() const;
  // True once the run loop has ended (leadership lost, or stopped).
  bool done() const;
  // Blocks until done() or `timeout` of wall time passes; returns done().
  bool waitDone(std::chrono::milliseconds timeout) const;

  // One acquire-or-renew attempt, as the run loop makes every retryPeriod; public for callers
  // that drive their own loop and for tests. Returns true when the Lease is ours after the
  // call, false when another candidate holds it and it has not expired on our clock.
  // Errors: the API call's (kConflict when another writer won the race: the next attempt
  // re-reads), kInvalid when the stored Lease is malformed (it is then never taken over).
  // Not thread-safe against a running loop: use it only without start().
  Result<bool> tryAcquireOrRenew();

 private:
  struct Record {
    std::string holderIdentity{};
    int leaseDurationSeconds = 0;
    std::string acquireTime{};
    std::string renewTime{};
    int leaseTransitions = 0;
  };

  void runLoop();
  void leadLoop();  // from acquisition until loss or stop
  void release();
  void waitFor(Clock::Duration d);  // on the clock, in slices, returning early on stop
  Result<bool> slowPath(Clock::TimePoint now);
  Result<bool> writeLease(nlohmann::json lease, bool create, Clock::TimePoint now);
  void observe(const Record& record, const nlohmann::json& rawSpec, Clock::TimePoint now);
  nlohmann::json specFor(const Record& record) const;
  static Result<Record> parseRecord(const nlohmann::json& lease);
  ResourcePath leasePath() const;
  Status validate() const;

  RestClient& client_;
  Clock& clock_;
  const LeaderElectionConfig config_;
  const LeaderCallbacks callbacks_;
  const int leaseSeconds_;

  // Touched only by the loop thread (or the tryAcquireOrRenew caller) after start.
  std::optional<nlohmann::json> lease_{};  // the Lease as last written or read by us
  nlohmann::json observedSpec_{};          // raw spec last seen, to notice changes
  Record observed_{};
  Clock::TimePoint observedTime_{};  // our clock when observedSpec_ last changed

  mutable std::mutex mu_;
  mutable std::condition_variable doneCv_;
  std::string leaderIdentity_{};  // guarded by mu_
  bool done_ = false;             // guarded by mu_
  Clock::TimePoint lastRenew_{};  // guarded by mu_
  std::atomic<bool> leading_{false};
  std::atomic<bool> stopRequested_{false};
  std::mutex lifecycleMu_;  // serialises start() and stop()
  std::thread loop_;        // guarded by lifecycleMu_
};

using LeaderElectorPtr = std::unique_ptr<LeaderElector>;

}  // namespace gantry::kube
