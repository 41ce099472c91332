// Reads manifest files (YAML, multi-document, or JSON) and directories of them into a
// Workload. Files are untrusted: size, nesting and alias expansion are bounded.
//
// Loading is two steps so that what one file says about another counts: collectManifests()
// reads every path into a ManifestCollection (objects with where they came from), then
// expandManifests() (workload_assembly.h) expands the collection once, skipping objects
// whose owner is in it too (a `kubectl get deploy,rs,pods -o yaml` dump lists each pod
// three times over) and objects given twice.
#pragma once

#include <map>
#include <set>
#include <string>
#include <string_view>
#include <tuple>

#include <nlohmann/json.hpp>

#include "src/common/status.h"
#include "src/common/yaml_documents.h"
#include "src/workload/expander.h"
#include "src/workload/workload.h"

namespace gantry::workload {

struct LoadOptions {
  size_t maxFileBytes = 64u << 20;
  // Upper bound on JSON values produced from one YAML document, map keys and values copied
  // through aliases included. Alias expansion is also bounded on its own (100,000 values
  // plus 10 per value written in the text), which stops a "billion laughs" early.
  size_t maxNodesPerDocument = 2'000'000;
  // A kind Gantry neither plans nor knows to be pod-free (known_kinds.h) is reported as an
  // error unless this is set; then it is skipped like a ConfigMap.
  bool ignoreUnknownKinds = false;
  ExpandOptions expand;
};

// Parses text holding one or more YAML documents (JSON is YAML) into JSON values, one per
// non-empty document; see parseYamlDocumentsChecked() (src/common/yaml_documents.h), whose
// per-document problems (duplicate keys, invalid UTF-8) this drops: for callers that read
// trusted text.
Result<std::vector<nlohmann::json>> parseDocuments(std::string_view text,
                                                   const LoadOptions& options = {});

// The path that means standard input (`gantry plan --pods -`), and the name its errors carry
// as their file.
inline constexpr std::string_view kStandardInputPath = "-";
inline constexpr std::string_view kStandardInputName = "<stdin>";

// One top-level object (an item of a List counts as one) and where it was found.
struct ManifestObject {
  nlohmann::json value;
  std::string source;  // file path, or "<stdin>"
  std::string place;   // "document 3", or "document 3, items[2]" inside a List
  std::vector<DocumentProblem> problems;  // found while parsing: the object is refused
  // ManifestCollection::errors.size() when the object was added, so that errors and objects
  // can be reported in the order of the input.
  size_t errorsBefore = 0;
};

// Objects read so far, and files that could not be read or parsed.
struct ManifestCollection {
  std::vector<ManifestObject> objects;
  std::vector<ManifestError> errors;
  // Real paths of the files read, so a file named twice (or reached through a symlink and
  // directly) is read once.
  std::set<std::string> filesRead;
  // kind, namespace, name -> index in objects: a second object with the same identity is
  // reported and dropped (not kept in memory: a file can repeat one object 100,000 times).
  std::map<std::tuple<std::string, std::string, std::string>, size_t> byIdentity;
};

// Reads a file, every *.yaml, *.yml and *.json file below a directory (file_walk.h), or
// standard input for "-" (read to its end, within the same size limit as a file) into
// `into`. A file that cannot be read or parsed becomes an entry in into.errors (its object
// empty, the message naming line and column) and the others are still read.
// Returns kNotFound for a path that does not exist; otherwise ok.
// REQUIRES: "-" at most once per process (standard input is used up by the first read).
Status collectManifests(const std::string& path, ManifestCollection& into,
                        const LoadOptions& options = {});

// The documents of `text` (a file's contents, already read) added to `into` as if from a
// file named `source`; parse failures become an entry in into.errors.
void collectText(const std::string& text, const std::string& source, ManifestCollection& into,
                 const LoadOptions& options = {});

// collectManifests() then expandManifests() for one path; collection errors come first in
// out.errors.
Status loadManifests(const std::string& path, Workload& out, const LoadOptions& options = {});

}  // namespace gantry::workload
