// Bounded YAML (and JSON) document parsing. Manifests (src/workload) and kubeconfig files
// (src/kube) are both untrusted text, so both go through this one parser and its limits.
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "src/common/status.h"

namespace gantry {

struct YamlLimits {
  // Upper bound on JSON values produced from one YAML document, map keys and values copied
  // through aliases included. Alias expansion is also bounded on its own (100,000 values
  // plus 10 per value written in the text), which stops a "billion laughs" early.
  size_t maxNodesPerDocument = 2'000'000;
};

// Parses text holding one or more YAML documents (JSON is YAML) into JSON values, one per
// non-empty document (a document holding only null is empty). kInvalid, naming the line
// and column, on a syntax error, on nesting deeper than 200 levels, and on a document over
// the value limits above. Pure; thread-safe.
Result<std::vector<nlohmann::json>> parseYamlDocuments(std::string_view text,
                                                       const YamlLimits& limits = {});

}  // namespace gantry
