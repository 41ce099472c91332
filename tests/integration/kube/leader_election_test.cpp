// Leader election against the real kube-apiserver: two lease_contender processes on one Lease
// (unique per run, in a fresh namespace). Exactly one leads; SIGKILL of the leader hands over
// after the lease expires, SIGTERM hands over at once because the leader releases the Lease.
// Handover times are printed and recorded as test properties.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <iostream>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "src/common/clock.h"
#include "src/kube/kubeconfig.h"
#include "src/kube/rest_client.h"
#include "tests/support/kube_namespace.h"

extern char** environ;

namespace gantry::kube {
namespace {

using nlohmann::json;
using Steady = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr milliseconds kLease{4000}, kRenew{3000}, kRetry{500};

// One lease_contender child with its stdout read line by line on a thread, each line stamped
// with the steady time it arrived.
class Contender {
 public:
  Contender(const std::vector<std::string>& args, std::string identity)
      : identity_(std::move(identity)) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) return;  // dup2 clears CLOEXEC on the child's stdout
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&actions, fds[0]);
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(const_cast<char*>(identity_.c_str()));
    for (auto d : {kLease, kRenew, kRetry}) durations_.push_back(std::to_string(d.count()));
    for (auto& d : durations_) argv.push_back(d.data());
    argv.push_back(nullptr);
    if (posix_spawn(&pid_, LEASE_CONTENDER, &actions, nullptr, argv.data(), environ) != 0)
      pid_ = -1;
    posix_spawn_file_actions_destroy(&actions);
    ::close(fds[1]);
    reader_ = std::thread([this, fd = fds[0]] { read(fd); });
  }
  ~Contender() {
    kill(SIGKILL);
    wait();
    if (reader_.joinable()) reader_.join();
  }

  bool started() const { return pid_ > 0; }
  const std::string& identity() const { return identity_; }
  void kill(int sig) {
    if (pid_ > 0 && !exited_) ::kill(pid_, sig);
  }
  // The exit status (waitpid's), once.
  int wait() {
    if (pid_ <= 0 || exited_) return status_;
    ::waitpid(pid_, &status_, 0);
    exited_ = true;
    return status_;
  }
  // When the line "<verb> <identity>" arrived, waiting up to `timeout` for it.
  std::optional<Steady::time_point> waitFor(const std::string& verb, milliseconds timeout) {
    const std::string want = verb + " " + identity_;
    std::unique_lock lock(mu_);
    std::optional<Steady::time_point> at;
    cv_.wait_for(lock, timeout, [&] {
      for (const auto& [line, t] : lines_) {
        if (line == want) at = t;
      }
      return at.has_value();
    });
    return at;
  }
  bool said(const std::string& verb) { return waitFor(verb, milliseconds(0)).has_value(); }

 private:
  void read(int fd) {
    std::string buf;
    char chunk[256];
    for (;;) {
      const ssize_t n = ::read(fd, chunk, sizeof chunk);
      if (n <= 0) break;
      buf.append(chunk, static_cast<std::size_t>(n));
      for (auto nl = buf.find('\n'); nl != std::string::npos; nl = buf.find('\n')) {
        std::lock_guard lock(mu_);
        lines_.emplace_back(buf.substr(0, nl), Steady::now());
        buf.erase(0, nl + 1);
        cv_.notify_all();
      }
    }
    ::close(fd);
  }

  std::string identity_;
  std::vector<std::string> durations_;
  pid_t pid_ = -1;
  int status_ = -1;
  bool exited_ = false;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::pair<std::string, Steady::time_point>> lines_;
  std::thread reader_;
};

class LeaderElectionIT : public gantry::testing::KubeNamespaceTest {
 protected:
  LeaderElectionIT() : KubeNamespaceTest("lease-it") {}

  void SetUp() override {
    KubeNamespaceTest::SetUp();
    if (HasFatalFailure()) return;
    lease_ = "gantry-leader-" + ns_;  // unique like the namespace
  }
  void TearDown() override {
    contenders_.clear();
    KubeNamespaceTest::TearDown();
  }

  // Starts two contenders; returns {leader, standby} once one of them leads.
  std::pair<Contender*, Contender*> startTwo() {
    for (const char* who : {"a", "b"}) {
      contenders_.push_back(std::make_unique<Contender>(
          std::vector<std::string>{LEASE_CONTENDER, env().kubeconfig(), ns_, lease_},
          std::string(who) + "-" + lease_));
      EXPECT_TRUE(contenders_.back()->started());
    }
    Contender* a = contenders_[0].get();
    Contender* b = contenders_[1].get();
    const auto deadline = Steady::now() + std::chrono::seconds(20);
    while (Steady::now() < deadline) {
      if (a->waitFor("leading", milliseconds(100))) return {a, b};
      if (b->waitFor("leading", milliseconds(100))) return {b, a};
    }
    return {nullptr, nullptr};
  }
  json lease() {
    auto got = conn_.client->get(ResourcePath{
        .group = "coordination.k8s.io", .resource = "leases", .ns = ns_, .name = lease_});
    EXPECT_TRUE(got) << got.error().toString();
    return got ? (*got)["spec"] : json();
  }
  // Both started, one leads, and the other keeps waiting (a few renewals later).
  void expectExactlyOneLeader(Contender& leader, Contender& standby) {
    std::this_thread::sleep_for(kRetry * 4);
    EXPECT_FALSE(standby.said("leading"));
    EXPECT_FALSE(leader.said("stopped"));
    EXPECT_EQ(lease().value("holderIdentity", ""), leader.identity());
  }

  std::string lease_;
  std::vector<std::unique_ptr<Contender>> contenders_;
};

TEST_F(LeaderElectionIT, KilledLeaderIsReplacedWithinTheLeaseDuration) {
  auto [leader, standby] = startTwo();
  ASSERT_NE(leader, nullptr) << "no contender became leader within 20 s";
  expectExactlyOneLeader(*leader, *standby);
  const int transitions = lease().value("leaseTransitions", -1);

  const auto killedAt = Steady::now();
  leader->kill(SIGKILL);
  auto tookOver = standby->waitFor("leading", kLease + milliseconds(5000));
  ASSERT_TRUE(tookOver) << "the standby did not take over";
  const auto handover = std::chrono::duration_cast<milliseconds>(*tookOver - killedAt);
  std::cout << "handover after SIGKILL: " << handover.count() << " ms (lease " << kLease.count()
            << " ms, retry " << kRetry.count() << " ms)\n";
  RecordProperty("handover_after_sigkill_ms", static_cast<int>(handover.count()));
  // Expiry is counted from when the standby last saw a renewal (up to one retry period before
  // the kill), then noticed at its next attempt (up to one more): lease + 2 retries + margin.
  EXPECT_GE(handover, kLease - kRetry * 2);
  EXPECT_LE(handover, kLease + kRetry * 2 + milliseconds(1000));
  const json spec = lease();
  EXPECT_EQ(spec.value("holderIdentity", ""), standby->identity());
  EXPECT_EQ(spec.value("leaseTransitions", -1), transitions + 1);
}

TEST_F(LeaderElectionIT, TerminatedLeaderReleasesTheLeaseForANearImmediateHandover) {
  auto [leader, standby] = startTwo();
  ASSERT_NE(leader, nullptr) << "no contender became leader within 20 s";
  expectExactlyOneLeader(*leader, *standby);

  const auto terminatedAt = Steady::now();
  leader->kill(SIGTERM);
  auto tookOver = standby->waitFor("leading", kLease + milliseconds(5000));
  ASSERT_TRUE(tookOver) << "the standby did not take over";
  const auto handover = std::chrono::duration_cast<milliseconds>(*tookOver - terminatedAt);
  std::cout << "handover after SIGTERM: " << handover.count() << " ms (retry " << kRetry.count()
            << " ms)\n";
  RecordProperty("handover_after_sigterm_ms", static_cast<int>(handover.count()));
  EXPECT_LE(handover, kRetry + milliseconds(1000));  // the next attempt, not the lease expiry
  EXPECT_TRUE(leader->waitFor("stopped", milliseconds(5000)));
  const int status = leader->wait();
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "status " << status;
  EXPECT_EQ(lease().value("holderIdentity", ""), standby->identity());
}

}  // namespace
}  // namespace gantry::kube
