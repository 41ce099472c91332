// libFuzzer target for manifest reading: `gantry plan` reads YAML and JSON files written by
// anyone, so parseDocuments() and everything after it (expandObject and the Pod, NodePool
// and Node decoders) must turn any bytes into documents, pods or errors: never a crash, an
// escaped exception, undefined behaviour, or unbounded time or memory.
//
// Built by tests/fuzz/CMakeLists.txt (target manifest_fuzz; every file of src/api and
// src/workload); run it as that file's header shows.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "src/api/decode.h"
#include "src/common/utf8.h"
#include "src/workload/expander.h"
#include "src/workload/manifest_loader.h"
#include "src/workload/workload_assembly.h"

namespace {

using gantry::workload::LoadOptions;
using gantry::workload::Workload;

void require(bool ok, const char* invariant) {
  if (ok) return;
  std::fprintf(stderr, "manifest invariant broken: %s\n", invariant);
  std::abort();
}

// Small limits keep each run fast; the limits themselves are what is under test.
LoadOptions fuzzOptions() {
  LoadOptions options;
  options.maxNodesPerDocument = 20'000;
  options.expand.maxPodsPerObject = 64;
  options.expand.maxPodsTotal = 256;
  return options;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const LoadOptions options = fuzzOptions();
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto docs = gantry::workload::parseDocuments(text, options);
  if (!docs) {
    require(docs.error().isInvalid(), "parse errors are kInvalid");
    require(!docs.error().message().empty(), "parse errors say what is wrong");
    return 0;
  }
  Workload workload;
  for (const auto& doc : *docs) {
    require(!doc.is_discarded(), "no discarded values escape the parser");
    const size_t errorsBefore = workload.errors.size();
    gantry::workload::expandObject(doc, "fuzz.yaml", workload, options.expand);
    for (size_t i = errorsBefore; i < workload.errors.size(); ++i) {
      require(workload.errors[i].source == "fuzz.yaml", "errors name their source");
      require(!workload.errors[i].message.empty(), "errors say what is wrong");
    }
    // The decoders on their own, whatever the kind: each must return a value or an error.
    (void)gantry::api::decodePod(doc);
    (void)gantry::api::decodeNodePool(doc);
    (void)gantry::api::decodeNode(doc);
    (void)gantry::api::decodePodTemplate(doc, "template", "default", "fuzz-0");
  }
  require(workload.pods.size() <= static_cast<size_t>(options.expand.maxPodsTotal),
          "the total pod limit holds");
  // The same text through the loader as `gantry plan` reads it (duplicate keys, UTF-8,
  // Lists, owners, repeats): every error must be printable as JSON and on a terminal.
  gantry::workload::ManifestCollection collection;
  gantry::workload::collectText(std::string(text), "fuzz.yaml", collection, options);
  Workload loaded;
  gantry::workload::expandManifests(collection, loaded, options);
  gantry::workload::collapseRepeatedErrors(loaded.errors);
  require(loaded.pods.size() <= static_cast<size_t>(options.expand.maxPodsTotal),
          "the total pod limit holds when loading");
  for (const auto& e : loaded.errors) {
    require(e.count >= 1, "collapsed errors count at least one");
    require(!e.message.empty(), "loader errors say what is wrong");
    for (const std::string* s : {&e.source, &e.object, &e.field, &e.message}) {
      const std::string shown = gantry::escapeForTerminal(*s);
      require(gantry::isValidUtf8(shown), "escaped text is UTF-8");
      for (char c : shown) require(static_cast<unsigned char>(c) >= 0x20 && c != 0x7f, "escaped text has no controls");
      (void)nlohmann::json(*s).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    }
  }
  for (const auto& pod : workload.pods) {
    require(!pod.name.empty() && !pod.ns.empty(), "every pod has a name and a namespace");
    for (const auto& [name, q] : pod.requests.entries()) {
      require(q.sign() >= 0, "decoded requests are never negative");
    }
  }
  return 0;
}
