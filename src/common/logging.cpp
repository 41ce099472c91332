// Component loggers share the default logger's sinks, so the binary configures output
// (format, destination) once and every component follows.
#include "src/common/logging.h"

#include <mutex>

namespace gantry {

std::shared_ptr<spdlog::logger> componentLogger(const std::string& name) {
  static std::mutex mu;
  std::lock_guard lock(mu);
  if (auto existing = spdlog::get(name)) return existing;
  auto base = spdlog::default_logger();
  auto created = base->clone(name);
  spdlog::register_logger(created);
  return created;
}

}  // namespace gantry
