// YAML (multi-document) and JSON text to JSON values, for manifests. Besides syntax, two
// things the Kubernetes decoders refuse are found here, where the text is still at hand:
// a key given twice in one mapping (kubectl and the apiserver reject it instead of letting
// the last one win) and strings that are not UTF-8 (they cannot be carried in JSON).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "src/common/status.h"

namespace gantry::workload {

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
// non-empty document (a document holding only null is empty). kInvalid, naming the line
// and column, on a syntax error, on nesting deeper than 200 levels, and on a document with
// more than `maxValuesPerDocument` values (aliases expanded) or an alias bomb.
Result<std::vector<ParsedDocument>> parseManifestDocuments(std::string_view text,
                                                           size_t maxValuesPerDocument);

}  // namespace gantry::workload
