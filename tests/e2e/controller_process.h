// Runs `gantry controller` as a child process for e2e tests: its output read on a thread,
// each line stamped with the wall clock when it arrived, so tests can wait for a log line
// and measure latencies from it. Tests only.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace gantry::testing {

class ControllerProcess {
 public:
  using TimePoint = std::chrono::system_clock::time_point;
  struct Line {
    TimePoint at;
    std::string text;
  };

  // Starts `binary args...` with the current environment plus `env` (overriding).
  bool start(const std::string& binary, const std::vector<std::string>& args,
             const std::map<std::string, std::string>& env) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) return false;
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[1], 1);
    posix_spawn_file_actions_adddup2(&actions, fds[1], 2);
    std::vector<std::string> argStore{binary};
    argStore.insert(argStore.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : argStore) argv.push_back(a.data());
    argv.push_back(nullptr);
    std::map<std::string, std::string> merged;
    for (char** e = environ; *e; ++e) {
      std::string kv = *e;
      auto eq = kv.find('=');
      if (eq != std::string::npos) merged[kv.substr(0, eq)] = kv.substr(eq + 1);
    }
    for (const auto& [k, v] : env) merged[k] = v;
    std::vector<std::string> envStore;
    for (const auto& [k, v] : merged) envStore.push_back(k + "=" + v);
    std::vector<char*> envp;
    for (auto& e : envStore) envp.push_back(e.data());
    envp.push_back(nullptr);
    const int rc = ::posix_spawn(&pid_, binary.c_str(), &actions, nullptr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    ::close(fds[1]);
    if (rc != 0) {
      ::close(fds[0]);
      pid_ = -1;
      return false;
    }
    fd_ = fds[0];
    reader_ = std::thread([this] { read(); });
    return true;
  }

  ~ControllerProcess() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      waitExit(std::chrono::seconds(5));
    }
    if (reader_.joinable()) reader_.join();
    if (fd_ >= 0) ::close(fd_);
  }

  // The first line containing `needle`, waiting up to `timeout`.
  std::optional<Line> waitFor(const std::string& needle, std::chrono::milliseconds timeout,
                              size_t occurrence = 1) {
    std::unique_lock lock(mu_);
    std::optional<Line> found;
    cv_.wait_for(lock, timeout, [&] {
      size_t n = 0;
      for (const auto& l : lines_) {
        if (l.text.find(needle) != std::string::npos && ++n == occurrence) {
          found = l;
          return true;
        }
      }
      return eof_;
    });
    return found;
  }

  // The last line containing `needle` that arrived no later than `at`.
  std::optional<Line> lastBefore(const std::string& needle, TimePoint at) const {
    std::lock_guard lock(mu_);
    std::optional<Line> found;
    for (const auto& l : lines_) {
      if (l.at > at) break;
      if (l.text.find(needle) != std::string::npos) found = l;
    }
    return found;
  }

  std::string output() const {
    std::lock_guard lock(mu_);
    std::string out;
    for (const auto& l : lines_) out += l.text + "\n";
    return out;
  }

  // SIGTERM, then the exit code (-1 on a signal death or timeout).
  int terminate(std::chrono::seconds timeout) {
    if (pid_ <= 0) return -1;
    ::kill(pid_, SIGTERM);
    return waitExit(timeout);
  }

  // SIGKILL, as the kernel or a lost node would end it, and reaped. False when it had ended.
  bool kill() {
    if (pid_ <= 0 || reaped()) return false;
    ::kill(pid_, SIGKILL);
    (void)waitExit(std::chrono::seconds(10));
    return true;
  }

  // Waits up to `timeout` for the process to end by itself: the signal that ended it, 0 for an
  // exit, -1 while it still runs.
  int waitForDeath(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!reaped() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (pid_ > 0) return -1;
    return WIFSIGNALED(status_) ? WTERMSIG(status_) : 0;
  }

  bool running() { return pid_ > 0 && !reaped(); }
  // The child's process id (-1 once reaped): with a wrapper that execs, the controller's.
  pid_t pid() const { return pid_; }

 private:
  // True once the child has ended (and was reaped, here or earlier); its status in status_.
  bool reaped() {
    if (pid_ <= 0) return true;
    if (::waitpid(pid_, &status_, WNOHANG) != pid_) return false;
    pid_ = -1;
    return true;
  }

  int waitExit(std::chrono::seconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (reaped()) return WIFEXITED(status_) ? WEXITSTATUS(status_) : -1;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, &status_, 0);
    pid_ = -1;
    return -1;
  }

  void read() {
    std::string partial;
    char buf[4096];
    while (true) {
      ssize_t n = ::read(fd_, buf, sizeof buf);
      if (n <= 0) break;
      const auto now = std::chrono::system_clock::now();
      partial.append(buf, static_cast<size_t>(n));
      size_t nl;
      std::lock_guard lock(mu_);
      while ((nl = partial.find('\n')) != std::string::npos) {
        lines_.push_back({now, partial.substr(0, nl)});
        partial.erase(0, nl + 1);
      }
      cv_.notify_all();
    }
    std::lock_guard lock(mu_);
    eof_ = true;
    cv_.notify_all();
  }

  pid_t pid_ = -1;
  int status_ = 0;  // waitpid's, once reaped
  int fd_ = -1;
  std::thread reader_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Line> lines_;
  bool eof_ = false;
};

}  // namespace gantry::testing
