// Making a PlanReport safe to print. Names, labels, reasons and error messages in a report
// come from manifests and from the cluster, so they may hold terminal escape sequences or
// bytes that are not UTF-8; the report is made safe at this boundary, just before output.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "provisioner/plan/plan_host.h"

namespace gantry::provisioner {

// The report with every text field escaped for a terminal (escapeForTerminal, utf8.h):
// control characters and invalid UTF-8 become visible escapes, so a name cannot move the
// cursor, recolour the screen or break a table row. For `-o table`.
PlanReport terminalSafe(PlanReport report);

// The JSON text of `document`, indented by 2. Never throws: bytes that are not UTF-8 are
// replaced by U+FFFD, so `-o json` prints valid JSON whatever the input held (control
// characters are escaped by JSON itself).
std::string jsonText(const nlohmann::json& document);

}  // namespace gantry::provisioner
