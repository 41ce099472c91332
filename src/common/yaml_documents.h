// Bounded YAML (and JSON) document parsing. Manifests (src/workload) and kubeconfig files
// (src/kube) are both untrusted text, so both go through this one parser and its limits.
// Besides syntax, two things the Kubernetes decoders refuse are found here, where the text
// is still at hand: a key given twice in one mapping (kubectl and the apiserver reject it
// instead of letting the last one win) and strings that are not UTF-8 (JSON cannot carry
// them).
#pragma once

#include <cstddef>
#include <string>
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

// Something wrong inside one document that does not stop the parse: the document still
// parses, but the object in it must not be used.
struct DocumentProblem {
  std::string field;  // JSON path inside the document, e.g. "spec.containers[0].name"
  std::string message;
};

struct ParsedDocument {
  nlohmann::json value;
  // At most kMaxProblemsPerDocument; a document with any problem is refused as a whole.
  std::vector<DocumentProblem> problems;
};

inline constexpr size_t kMaxProblemsPerDocument = 10;

// Parses text holding one or more YAML documents (JSON is YAML) into JSON values, one per
// non-empty document (a document holding only null is empty), each with the problems found
// in it. kInvalid, naming the line and column, on a syntax error, on nesting deeper than 200
// levels, and on a document over the value limits above. Pure; thread-safe.
Result<std::vector<ParsedDocument>> parseYamlDocumentsChecked(std::string_view text,
                                                              const YamlLimits& limits = {});

// As above, for callers that take a document whole or not at all (kubeconfig): the first
// problem of any document is the error.
Result<std::vector<nlohmann::json>> parseYamlDocuments(std::string_view text,
                                                       const YamlLimits& limits = {});

}  // namespace gantry
