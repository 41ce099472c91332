// Token sources and the exec credential plugin protocol
// (client.authentication.k8s.io ExecCredential, v1beta1 and v1).
#include "src/kube/credentials.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

extern char** environ;

namespace gantry::kube {

using nlohmann::json;

namespace {

std::string trim(std::string s) {
  const auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return "";
  const auto last = s.find_last_not_of(" \t\r\n");
  return s.substr(first, last - first + 1);
}

class StaticTokenSource final : public TokenSource {
 public:
  explicit StaticTokenSource(std::string token) : token_(std::move(token)) {}
  Result<std::string> token() override { return token_; }

 private:
  const std::string token_;
};

class FileTokenSource final : public TokenSource {
 public:
  FileTokenSource(std::string path, Clock& clock, Clock::Duration refresh)
      : path_(std::move(path)), clock_(clock), refresh_(refresh) {}

  Result<std::string> token() override {
    std::lock_guard lock(mu_);
    const auto now = clock_.now();
    if (cached_ && now < readAt_ + refresh_) return *cached_;
    std::ifstream in(path_);
    if (!in) return fail(Status::unauthorized("cannot read token file " + path_));
    std::stringstream ss;
    ss << in.rdbuf();
    std::string token = trim(ss.str());
    if (token.empty()) return fail(Status::unauthorized("token file " + path_ + " is empty"));
    cached_ = token;
    readAt_ = now;
    return token;
  }
  void invalidate() override {
    std::lock_guard lock(mu_);
    cached_.reset();
  }

 private:
  const std::string path_;
  Clock& clock_;
  const Clock::Duration refresh_;
  std::mutex mu_;
  std::optional<std::string> cached_;  // guarded by mu_
  Clock::TimePoint readAt_{};          // guarded by mu_
};

class ExecTokenSource final : public TokenSource {
 public:
  explicit ExecTokenSource(std::shared_ptr<ExecCredentialCache> cache) : cache_(std::move(cache)) {}
  Result<std::string> token() override {
    auto cred = cache_->get();
    if (!cred) return fail(cred.error());
    return cred->token;
  }
  void invalidate() override { cache_->invalidate(); }

 private:
  std::shared_ptr<ExecCredentialCache> cache_;
};

int parseDigits(std::string_view s, std::size_t pos, std::size_t n, bool& ok) {
  int v = 0;
  if (pos + n > s.size()) {
    ok = false;
    return 0;
  }
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') ok = false;
    v = v * 10 + (s[i] - '0');
  }
  return v;
}

}  // namespace

TokenSourcePtr makeStaticTokenSource(std::string token) {
  return std::make_unique<StaticTokenSource>(std::move(token));
}

TokenSourcePtr makeFileTokenSource(std::string path, Clock& clock, Clock::Duration refresh) {
  return std::make_unique<FileTokenSource>(std::move(path), clock, refresh);
}

TokenSourcePtr makeExecTokenSource(std::shared_ptr<ExecCredentialCache> cache) {
  return std::make_unique<ExecTokenSource>(std::move(cache));
}

Result<Clock::TimePoint> parseRfc3339(std::string_view s) {
  // YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)
  bool ok = s.size() >= 20;
  const int y = parseDigits(s, 0, 4, ok), mo = parseDigits(s, 5, 2, ok), d = parseDigits(s, 8, 2, ok);
  const int h = parseDigits(s, 11, 2, ok), mi = parseDigits(s, 14, 2, ok), se = parseDigits(s, 17, 2, ok);
  if (!ok || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't') || s[13] != ':' ||
      s[16] != ':') {
    return fail(Status::invalid("bad RFC 3339 time '" + std::string(s) + "'"));
  }
  std::size_t pos = 19;
  std::chrono::nanoseconds frac{0};
  if (pos < s.size() && s[pos] == '.') {
    long long scale = 100'000'000;
    ++pos;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      frac += std::chrono::nanoseconds((s[pos] - '0') * scale);
      scale /= 10;
      ++pos;
    }
  }
  std::chrono::minutes offset{0};
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
    ++pos;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    const int sign = s[pos] == '+' ? 1 : -1;
    const int oh = parseDigits(s, pos + 1, 2, ok), om = parseDigits(s, pos + 4, 2, ok);
    if (!ok || pos + 3 >= s.size() || s[pos + 3] != ':') {
      return fail(Status::invalid("bad RFC 3339 offset in '" + std::string(s) + "'"));
    }
    offset = std::chrono::minutes(sign * (oh * 60 + om));
    pos += 6;
  } else {
    ok = false;
  }
  const std::chrono::year_month_day ymd{std::chrono::year{y}, std::chrono::month(mo),
                                        std::chrono::day(d)};
  if (!ok || pos != s.size() || !ymd.ok() || h > 23 || mi > 59 || se > 60) {
    return fail(Status::invalid("bad RFC 3339 time '" + std::string(s) + "'"));
  }
  auto tp = std::chrono::sys_days(ymd) + std::chrono::hours(h) + std::chrono::minutes(mi) +
            std::chrono::seconds(se) - offset;
  return std::chrono::time_point_cast<Clock::Duration>(tp + frac);
}

Result<ExecCredential> parseExecCredential(std::string_view text) {
  json doc = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object()) return fail(Status::unauthorized("exec plugin output is not a JSON object"));
  if (doc.value("kind", "") != "ExecCredential") {
    return fail(Status::unauthorized("exec plugin output is not an ExecCredential"));
  }
  const auto st = doc.find("status");
  if (st == doc.end() || !st->is_object()) {
    return fail(Status::unauthorized("exec plugin output has no status"));
  }
  auto str = [&](const char* key) {
    const auto it = st->find(key);
    return it != st->end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  ExecCredential cred{.token = str("token"),
                      .clientCertificateData = str("clientCertificateData"),
                      .clientKeyData = str("clientKeyData")};
  if (cred.token.empty() && (cred.clientCertificateData.empty() || cred.clientKeyData.empty())) {
    return fail(Status::unauthorized("exec plugin gave neither a token nor a client certificate and key"));
  }
  if (const std::string exp = str("expirationTimestamp"); !exp.empty()) {
    auto tp = parseRfc3339(exp);
    if (!tp) return fail(Status::unauthorized("exec plugin expirationTimestamp: " + tp.error().message()));
    cred.expiration = *tp;
  }
  return cred;
}

Result<std::string> runExecPlugin(const ExecConfig& config) {
  const std::string what = "exec plugin '" + config.command + "'";
  // Environment: ours, then the config's (overriding), then KUBERNETES_EXEC_INFO.
  std::vector<std::string> envStrings;
  auto overridden = [&](std::string_view entry) {
    const auto eq = entry.find('=');
    const std::string_view name = entry.substr(0, eq);
    if (name == "KUBERNETES_EXEC_INFO") return true;
    for (const auto& [k, v] : config.env) {
      if (k == name) return true;
    }
    return false;
  };
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    if (!overridden(*e)) envStrings.emplace_back(*e);
  }
  for (const auto& [k, v] : config.env) envStrings.push_back(k + "=" + v);
  json info = {{"apiVersion", config.apiVersion},
               {"kind", "ExecCredential"},
               {"spec", {{"interactive", false}}}};
  envStrings.push_back("KUBERNETES_EXEC_INFO=" + info.dump());
  std::vector<char*> envp;
  for (auto& s : envStrings) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<std::string> argStrings{config.command};
  argStrings.insert(argStrings.end(), config.args.begin(), config.args.end());
  std::vector<char*> argv;
  for (auto& s : argStrings) argv.push_back(s.data());
  argv.push_back(nullptr);

  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return fail(Status::unauthorized(what + ": pipe failed"));
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, fds[1], 1);
  pid_t pid = 0;
  const int rc = posix_spawnp(&pid, config.command.c_str(), &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  close(fds[1]);
  if (rc != 0) {
    close(fds[0]);
    return fail(Status::unauthorized(what + " could not start: " + std::strerror(rc)));
  }
  std::string out;
  char buf[4096];
  constexpr std::size_t kMaxOutput = 1u << 20;
  for (;;) {
    const ssize_t n = read(fds[0], buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    if (out.size() < kMaxOutput) out.append(buf, static_cast<std::size_t>(n));
  }
  close(fds[0]);
  int wstatus = 0;
  while (waitpid(pid, &wstatus, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(wstatus) || WEXITSTATUS(wstatus) != 0) {
    return fail(Status::unauthorized(what + " failed (exit status " +
                                     std::to_string(WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : -1) + ")"));
  }
  return out;
}

Result<ExecCredential> ExecCredentialCache::get() {
  std::lock_guard lock(mu_);
  if (cached_ && (!cached_->expiration || clock_.now() + skew_ < *cached_->expiration)) {
    return *cached_;
  }
  auto out = runner_(config_);
  if (!out) return fail(out.error());
  auto cred = parseExecCredential(*out);
  if (!cred) return fail(cred.error().withContext("exec plugin '" + config_.command + "'"));
  cached_ = *cred;
  return *cred;
}

void ExecCredentialCache::invalidate() {
  std::lock_guard lock(mu_);
  cached_.reset();
}

}  // namespace gantry::kube
