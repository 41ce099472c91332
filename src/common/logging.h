// Named component loggers (Envoy's Loggable<Id>): every component logs through its own
// spdlog logger ("kube", "informer", "provisioner", ...) so levels can be tuned per
// component and each line says where it came from. Messages are lowercase verb phrases with
// key=value fields and never carry credentials. Include from .cpp files only.
#pragma once

#include <spdlog/spdlog.h>

#include <memory>
#include <string>

namespace gantry {

// The logger registered under `name`; created on first use with the default logger's sinks
// and level. Thread-safe.
std::shared_ptr<spdlog::logger> componentLogger(const std::string& name);

}  // namespace gantry
