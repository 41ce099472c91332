// The progress line `gantry simulate` draws on stderr while a long trace plays: which run
// (gantry, or a baseline's with --compare), how much virtual time has been played and, once
// the run's length is known, a bar and a percentage. By default it appears only when stderr
// is a terminal and the run has taken more than a second of wall time, so quick runs, pipes
// and CI logs never see it; it redraws at most ten times a second and erases itself at the
// end, so nothing of it is left among the report's lines.
#pragma once

#include <chrono>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>

#include "src/common/clock.h"

namespace gantry::cmd {

enum class ProgressMode { kAuto, kAlways, kNever };

// "auto", "always" or "never"; nullopt for anything else.
std::optional<ProgressMode> parseProgressMode(std::string_view text);

// "[##########----------]  50%  12h00m of 24h00m  gantry", or without a known length
// "12h00m played  gantry". `width` is the bar's length in characters.
std::string progressLine(std::string_view run, Clock::Duration played,
                         std::optional<Clock::Duration> length, size_t width = 30);

// Not thread-safe: the engine reports from the one thread it runs on.
class ProgressBar {
 public:
  // kAuto draws only when `isTerminal`. `out` outlives the bar.
  ProgressBar(std::ostream& out, ProgressMode mode, bool isTerminal);
  ~ProgressBar();
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  void update(std::string_view run, Clock::Duration played,
              std::optional<Clock::Duration> length);
  // Erases the line (if one was drawn). Called by the destructor too.
  void finish();

 private:
  using Wall = std::chrono::steady_clock;
  std::ostream& out_;
  const bool enabled_;
  const Wall::duration delay_;  // before the first draw
  const Wall::time_point started_ = Wall::now();
  std::optional<Wall::time_point> drawnAt_;
  size_t drawnWidth_ = 0;
  std::string run_;  // the run last drawn
};

}  // namespace gantry::cmd
