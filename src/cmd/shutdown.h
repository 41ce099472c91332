// How `gantry controller` stops on SIGTERM/SIGINT within Kubernetes' 30 s grace period,
// whatever its peers are doing. A silent apiserver or EC2 endpoint holds each request for its
// whole timeout and every retry loop would try again, so stopping is a timeline rather than
// a hope:
//   at the signal   stopping() turns true: /readyz fails, every loop is asked to stop, and
//                   every Clock wait ends at once (ShutdownClock);
//   + grace         abortCalls() turns true: the apiserver and AWS clients abandon what is
//                   still in flight (kCancelled, never retried);
//   + leaseBudget   abortLease() turns true: the Lease release gets until then;
//   + deadline      the process exits on the spot (0 after a signal, 1 otherwise), with an
//                   error line, if the orderly stop has not finished (a bug: the integration
//                   tests assert it never happens).
// A second signal during the stop exits at once.
#pragma once

#include <signal.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

namespace gantry::cmd {

struct ShutdownTimeline {
  std::chrono::milliseconds grace{1000};
  std::chrono::milliseconds leaseBudget{4000};
  std::chrono::milliseconds deadline{9000};
};

// Blocks SIGTERM and SIGINT in the calling thread, and so in every thread it starts later;
// Shutdown receives them synchronously instead. Call first thing, before any thread exists.
sigset_t blockStopSignals();

class Shutdown {
 public:
  // Starts a thread that waits for `signals` (REQUIRES: blocked, see blockStopSignals).
  Shutdown(sigset_t signals, ShutdownTimeline timeline = {});
  // Calls finished().
  ~Shutdown();
  Shutdown(const Shutdown&) = delete;
  Shutdown& operator=(const Shutdown&) = delete;

  // Starts the timeline without a signal (leadership lost, a start-up failure), or for one
  // (exitCode 0). Idempotent: the first reason wins.
  void begin(const std::string& reason, int exitCode = 1);
  // The orderly stop is done: the timeline's deadline no longer applies. Idempotent.
  void finished();

  bool requested() const { return stopping_.load(); }
  // Waits up to `timeout` for the stop to begin; returns requested().
  bool waitFor(std::chrono::milliseconds timeout) const;
  // Seconds since the stop began (0 before), for the log.
  double elapsedSeconds() const;

  const std::atomic<bool>& stopping() const { return stopping_; }
  const std::atomic<bool>& abortCalls() const { return abortCalls_; }
  const std::atomic<bool>& abortLease() const { return abortLease_; }

 private:
  void watch();

  const sigset_t signals_;
  const ShutdownTimeline timeline_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> abortCalls_{false};
  std::atomic<bool> abortLease_{false};
  std::atomic<bool> finished_{false};
  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  std::chrono::steady_clock::time_point began_{};  // guarded by mu_
  int deadlineExitCode_ = 0;                         // guarded by mu_
  std::thread watcher_;
};

}  // namespace gantry::cmd
