// The signal thread and the stop timeline. Signals are taken with sigtimedwait on a thread of
// our own rather than in a handler, so everything the stop does (logging, atomics, waking
// waiters) is ordinary code.
#include "src/cmd/shutdown.h"

#include <cstdlib>

#include "src/common/logging.h"

namespace gantry::cmd {

namespace {

std::shared_ptr<spdlog::logger> log() { return componentLogger("controller"); }

const char* signalName(int sig) { return sig == SIGTERM ? "SIGTERM" : sig == SIGINT ? "SIGINT" : "?"; }

void exitNow(int code) {
  spdlog::apply_all([](const std::shared_ptr<spdlog::logger>& l) { l->flush(); });
  std::_Exit(code);
}

}  // namespace

sigset_t blockStopSignals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  return signals;
}

Shutdown::Shutdown(sigset_t signals, ShutdownTimeline timeline)
    : signals_(signals), timeline_(timeline), watcher_([this] { watch(); }) {}

Shutdown::~Shutdown() {
  finished();
  if (watcher_.joinable()) watcher_.join();
}

void Shutdown::begin(const std::string& reason, int exitCode) {
  {
    std::lock_guard lock(mu_);
    if (stopping_.load()) return;
    began_ = std::chrono::steady_clock::now();
    deadlineExitCode_ = exitCode;
    stopping_.store(true);
  }
  log()->info("shutting down reason={} grace_ms={} deadline_ms={}", reason, timeline_.grace.count(),
              timeline_.deadline.count());
  cv_.notify_all();
}

void Shutdown::finished() { finished_.store(true); }

bool Shutdown::waitFor(std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mu_);
  return cv_.wait_for(lock, timeout, [this] { return stopping_.load(); });
}

double Shutdown::elapsedSeconds() const {
  std::lock_guard lock(mu_);
  if (!stopping_.load()) return 0;
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - began_).count();
}

void Shutdown::watch() {
  while (!finished_.load()) {
    timespec slice{0, 50'000'000};
    const int sig = ::sigtimedwait(&signals_, nullptr, &slice);
    if (sig == SIGTERM || sig == SIGINT) {
      if (stopping_.load()) {
        log()->warn("second stop signal; exiting at once signal={}", signalName(sig));
        exitNow(0);
      }
      begin(signalName(sig), 0);
    }
    if (!stopping_.load()) continue;
    std::chrono::steady_clock::time_point began;
    int exitCode = 0;
    {
      std::lock_guard lock(mu_);
      began = began_;
      exitCode = deadlineExitCode_;
    }
    const auto elapsed = std::chrono::steady_clock::now() - began;
    if (elapsed >= timeline_.grace && !abortCalls_.exchange(true)) {
      log()->info("abandoning calls still in flight");
    }
    if (elapsed >= timeline_.leaseBudget) abortLease_.store(true);
    if (elapsed >= timeline_.deadline && !finished_.load()) {
      log()->error("shutdown overran its deadline; exiting now deadline_ms={}", timeline_.deadline.count());
      exitNow(exitCode);
    }
  }
}

}  // namespace gantry::cmd
