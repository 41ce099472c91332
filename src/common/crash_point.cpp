// The crash-point table: parsed once (a function-local static, so thread-safe), each armed
// point with its own atomic hit counter. SIGKILL cannot be caught, blocked or ignored: no
// destructor, atexit handler or buffered log line runs, which is the point.
#include "src/common/crash_point.h"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <charconv>
#include <cstdlib>
#include <memory>

namespace gantry {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

struct Armed {
  CrashPointSpec spec;
  std::atomic<int> hits{0};
};

// Null when the variable is unset or arms nothing.
const std::vector<std::unique_ptr<Armed>>* armedPoints() {
  static const std::vector<std::unique_ptr<Armed>>* table = [] {
    const char* value = std::getenv("GANTRY_CRASH_POINTS");
    if (value == nullptr || *value == '\0') return static_cast<decltype(table)>(nullptr);
    auto* points = new std::vector<std::unique_ptr<Armed>>();  // lives as long as the process
    for (auto& spec : parseCrashPoints(value)) {
      auto armed = std::make_unique<Armed>();
      armed->spec = std::move(spec);
      points->push_back(std::move(armed));
    }
    if (points->empty()) return static_cast<decltype(table)>(nullptr);
    std::string line = "crash points armed:";
    for (const auto& p : *points) line += " " + p->spec.name + ":" + std::to_string(p->spec.hit);
    line += "\n";
    (void)!::write(STDERR_FILENO, line.data(), line.size());
    return static_cast<decltype(table)>(points);
  }();
  return table;
}

}  // namespace

std::vector<CrashPointSpec> parseCrashPoints(std::string_view value) {
  std::vector<CrashPointSpec> out;
  while (!value.empty()) {
    const size_t comma = value.find(',');
    std::string_view entry = trim(value.substr(0, comma));
    value = comma == std::string_view::npos ? std::string_view() : value.substr(comma + 1);
    if (entry.empty()) continue;
    CrashPointSpec spec;
    const size_t colon = entry.rfind(':');
    if (colon != std::string_view::npos) {
      const std::string_view count = trim(entry.substr(colon + 1));
      int n = 0;
      auto [end, ec] = std::from_chars(count.data(), count.data() + count.size(), n);
      if (ec == std::errc() && end == count.data() + count.size() && n > 0) spec.hit = n;
      entry = trim(entry.substr(0, colon));
    }
    if (entry.empty()) continue;
    spec.name = std::string(entry);
    out.push_back(std::move(spec));
  }
  return out;
}

void crashPoint(std::string_view name) {
  const auto* points = armedPoints();
  if (points == nullptr) return;
  for (const auto& p : *points) {
    if (p->spec.name != name) continue;
    if (p->hits.fetch_add(1) + 1 != p->spec.hit) continue;
    const std::string line = "crash point " + std::string(name) + "\n";
    (void)!::write(STDERR_FILENO, line.data(), line.size());
    ::kill(::getpid(), SIGKILL);
    for (;;) ::pause();  // SIGKILL is delivered before kill() returns to anyone who cares
  }
}

}  // namespace gantry
