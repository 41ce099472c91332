// A test helper process for the leader-election integration tests: one LeaderElector on a
// real Lease, reporting on stdout ("leading <id>", "stopped <id>", "leader <holder>", one line
// each, flushed) so a test can run several, kill them and time the handover.
// Usage: lease_contender KUBECONFIG NAMESPACE LEASE IDENTITY LEASE_MS RENEW_MS RETRY_MS
// SIGTERM/SIGINT stop the elector (releasing the Lease); losing the Lease ends the process.
#include <signal.h>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <mutex>
#include <string>

#include "src/common/clock.h"
#include "src/kube/kubeconfig.h"
#include "src/kube/leader_elector.h"
#include "src/kube/rest_client.h"

namespace {

std::mutex outMu;

void say(const std::string& verb, const std::string& who) {
  std::lock_guard lock(outMu);
  std::printf("%s %s\n", verb.c_str(), who.c_str());
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  using namespace gantry;
  if (argc != 8) {
    std::fprintf(stderr,
                 "usage: %s KUBECONFIG NAMESPACE LEASE IDENTITY LEASE_MS RENEW_MS RETRY_MS\n",
                 argv[0]);
    return 2;
  }
  // Signals are taken synchronously by the main thread: block them before any thread starts.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  spdlog::set_default_logger(spdlog::stderr_color_mt("contender"));  // stdout is the protocol

  const std::string identity = argv[4];
  const std::chrono::milliseconds leaseMs{std::atol(argv[5])}, renewMs{std::atol(argv[6])},
      retryMs{std::atol(argv[7])};
  auto cfg = kube::loadKubeconfigFile(argv[1]);
  if (!cfg) {
    std::fprintf(stderr, "kubeconfig: %s\n", cfg.error().toString().c_str());
    return 1;
  }
  RealClock clock;
  // The elector's own connection; calls bounded well inside the renew deadline.
  auto conn =
      kube::connect(*cfg, clock,
                    {.qps = 0,
                     .maxRetries = 0,
                     .requestTimeout = std::max(renewMs / 3, std::chrono::milliseconds(500))});
  if (!conn) {
    std::fprintf(stderr, "connect: %s\n", conn.error().toString().c_str());
    return 1;
  }
  kube::LeaderElector elector(
      *conn->client, clock,
      {.leaseNamespace = argv[2],
       .leaseName = argv[3],
       .identity = identity,
       .leaseDuration = leaseMs,
       .renewDeadline = renewMs,
       .retryPeriod = retryMs},
      {.onStartedLeading =
           [&](std::stop_token st) {
             say("leading", identity);
             std::mutex m;
             std::condition_variable_any cv;
             std::unique_lock lock(m);
             cv.wait(lock, st, [] { return false; });  // the "work": wait to be stopped
           },
       .onStoppedLeading = [&] { say("stopped", identity); },
       .onNewLeader =
           [](const std::string& holder) { say("leader", holder.empty() ? "-" : holder); }});
  if (auto st = elector.start(); !st.isOk()) {
    std::fprintf(stderr, "start: %s\n", st.toString().c_str());
    return 2;
  }
  const timespec tick{.tv_sec = 0, .tv_nsec = 100'000'000};
  while (!elector.done()) {
    if (sigtimedwait(&signals, nullptr, &tick) > 0) break;
  }
  elector.stop();
  say("exit", identity);
  return 0;
}
