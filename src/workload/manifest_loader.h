// Reads manifest files (YAML, multi-document, or JSON) and directories of them into a
// Workload. Files are untrusted: size, nesting and alias expansion are bounded.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "src/common/status.h"
#include "src/workload/expander.h"
#include "src/workload/workload.h"

namespace gantry::workload {

struct LoadOptions {
  size_t maxFileBytes = 64u << 20;
  // Upper bound on JSON values produced from one YAML document, map keys and values copied
  // through aliases included. Alias expansion is also bounded on its own (100,000 values
  // plus 10 per value written in the text), which stops a "billion laughs" early.
  size_t maxNodesPerDocument = 2'000'000;
  ExpandOptions expand;
};

// Parses text holding one or more YAML documents (JSON is YAML) into JSON values, one per
// non-empty document (a document holding only null is empty). kInvalid, naming the line
// and column, on a syntax error, on nesting deeper than 200 levels, and on a document over
// the value limits above.
Result<std::vector<nlohmann::json>> parseDocuments(std::string_view text,
                                                   const LoadOptions& options = {});

// The path that means standard input (`gantry plan --pods -`), and the name its errors carry
// as their file.
inline constexpr std::string_view kStandardInputPath = "-";
inline constexpr std::string_view kStandardInputName = "<stdin>";

// Loads a file, or every *.yaml, *.yml and *.json file below a directory (sorted, so the
// result does not depend on directory order), or standard input for "-" (read to its end,
// within the same size limit as a file), expanding each object into `out`.
// Returns kNotFound for a missing path, kInvalid naming the file for an unreadable or
// unparsable one; objects that parse but do not decode go to out.errors instead.
// REQUIRES: "-" at most once per process (standard input is used up by the first read).
Status loadManifests(const std::string& path, Workload& out, const LoadOptions& options = {});

}  // namespace gantry::workload
