#include "src/cmd/progress_bar.h"

#include <algorithm>
#include <cstdio>

namespace gantry::cmd {

namespace {

std::string hoursMinutes(Clock::Duration d) {
  const auto minutes = std::chrono::duration_cast<std::chrono::minutes>(d).count();
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%lldh%02lldm", static_cast<long long>(minutes / 60),
                static_cast<long long>(minutes % 60));
  return buf;
}

}  // namespace

std::optional<ProgressMode> parseProgressMode(std::string_view text) {
  if (text == "auto") return ProgressMode::kAuto;
  if (text == "always") return ProgressMode::kAlways;
  if (text == "never") return ProgressMode::kNever;
  return std::nullopt;
}

std::string progressLine(std::string_view run, Clock::Duration played,
                         std::optional<Clock::Duration> length, size_t width) {
  std::string line;
  if (length && length->count() > 0) {
    const double share = std::clamp(std::chrono::duration<double>(played).count() /
                                        std::chrono::duration<double>(*length).count(),
                                    0.0, 1.0);
    const auto filled = static_cast<size_t>(share * static_cast<double>(width));
    line = "[" + std::string(filled, '#') + std::string(width - filled, '-') + "] ";
    char percent[8];
    std::snprintf(percent, sizeof(percent), "%3d%%", static_cast<int>(share * 100));
    line += percent;
    line += "  " + hoursMinutes(played) + " of " + hoursMinutes(*length);
  } else {
    line = hoursMinutes(played) + " played";
  }
  line += "  ";
  line += run;
  return line;
}

ProgressBar::ProgressBar(std::ostream& out, ProgressMode mode, bool isTerminal)
    : out_(out),
      enabled_(mode == ProgressMode::kAlways || (mode == ProgressMode::kAuto && isTerminal)),
      delay_(mode == ProgressMode::kAlways ? Wall::duration::zero() : std::chrono::seconds(1)) {}

ProgressBar::~ProgressBar() { finish(); }

void ProgressBar::update(std::string_view run, Clock::Duration played,
                         std::optional<Clock::Duration> length) {
  if (!enabled_) return;
  const auto now = Wall::now();
  if (now - started_ < delay_) return;
  // A new run (--compare's next baseline) is drawn at once, so its name is never missed.
  const bool sameRun = run == run_;
  if (sameRun && drawnAt_ && now - *drawnAt_ < std::chrono::milliseconds(100)) return;
  if (!sameRun) run_ = std::string(run);
  drawnAt_ = now;
  const std::string line = progressLine(run, played, length);
  // Spaces over whatever a longer earlier line left behind; no escape sequences, so a
  // terminal without them (or a log file, with --progress always) still reads it.
  const size_t pad = drawnWidth_ > line.size() ? drawnWidth_ - line.size() : 0;
  out_ << '\r' << line << std::string(pad, ' ') << std::flush;
  drawnWidth_ = std::max(drawnWidth_, line.size());
}

void ProgressBar::finish() {
  if (drawnWidth_ == 0) return;
  out_ << '\r' << std::string(drawnWidth_, ' ') << '\r' << std::flush;
  drawnWidth_ = 0;
  drawnAt_.reset();
}

}  // namespace gantry::cmd
