// The JSON side of the bounded document reader (yaml_documents.h): one JSON document parsed
// with nlohmann's parser, a bracket-depth guard before it, and the keys an object repeats
// reported as problems (the parser itself keeps the last one silently). Internal to
// src/common; callers use parseYamlDocumentsChecked.
#pragma once

#include <optional>
#include <string_view>

#include "src/common/yaml_documents.h"

namespace gantry {

// `text` as one JSON document with its duplicate-key problems, or nullopt when it is not
// valid JSON or nests deeper than `maxDepth` (the caller then reads it as YAML, which names
// where a too-deep document goes wrong).
std::optional<ParsedDocument> parseJsonDocumentChecked(std::string_view text, int maxDepth);

}  // namespace gantry
