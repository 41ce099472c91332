// Looked up on each use rather than cached, so a logger the binary registers after start-up
// (or replaces, with another level or format) takes effect at once.
#include "cloudprovider/aws/transport/logging.h"

namespace gantry::cloudprovider::aws {

std::shared_ptr<spdlog::logger> awsLogger() {
  auto named = spdlog::get("aws");
  return named ? named : spdlog::default_logger();
}

}  // namespace gantry::cloudprovider::aws
