// Reading manifest files, directories and standard input into a ManifestCollection: file
// size limits, List flattening and object identity. Parsing is src/common/yaml_documents'.
#include "src/workload/manifest_loader.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <unistd.h>

#include "src/workload/file_walk.h"
#include "src/workload/workload_assembly.h"

namespace gantry::workload {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

Result<std::string> readFile(const fs::path& path, size_t maxBytes) {
  std::error_code ec;
  auto size = fs::file_size(path, ec);
  if (ec) return fail(Status::invalid("cannot read: " + ec.message()));
  if (size > maxBytes) {
    return fail(Status::invalid("file is " + std::to_string(size) +
                                " bytes; the limit is " + std::to_string(maxBytes)));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(Status::invalid(std::string("cannot open: ") + std::strerror(errno)));
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Standard input, read to its end but never past maxBytes: a pipe has no size to check first,
// so one byte more than the limit is read to tell "exactly the limit" from "more". Works for
// whatever fd 0 is (a pipe, a file, /dev/zero, a terminal until end of input).
Result<std::string> readStandardInput(size_t maxBytes) {
  std::string text;
  char buf[65536];
  for (;;) {
    const size_t want = std::min(sizeof buf, maxBytes + 1 - text.size());
    const ssize_t n = ::read(STDIN_FILENO, buf, want);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      return fail(Status::invalid(std::string("cannot read: ") + std::strerror(errno)));
    }
    if (n == 0) return text;
    text.append(buf, static_cast<size_t>(n));
    if (text.size() > maxBytes) {
      return fail(Status::invalid("input is larger than the limit of " +
                                  std::to_string(maxBytes) + " bytes"));
    }
  }
}

// Lists inside Lists are legal but never deep in practice; the bound keeps recursion (and
// the stack) small whatever the input.
constexpr int kMaxListDepth = 16;

std::string stringAt(const json& object, std::string_view key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : "";
}

// `kubectl get a,b -o yaml` prints kind: List; the API's own lists are PodList, JobList, ...
bool isList(const json& object) {
  const std::string kind = stringAt(object, "kind");
  if (kind == "List") return true;
  auto items = object.find("items");
  return kind.ends_with("List") && items != object.end() && items->is_array();
}

void addObject(ManifestObject object, ManifestCollection& into) {
  const json& value = object.value;
  const std::string kind = stringAt(value, "kind");
  std::string ns;
  std::string name;
  if (auto meta = value.find("metadata"); meta != value.end() && meta->is_object()) {
    ns = stringAt(*meta, "namespace");
    name = stringAt(*meta, "name");
  }
  if (!kind.empty() && !name.empty()) {
    auto key = std::make_tuple(kind, ns.empty() ? std::string("default") : ns, name);
    auto [it, fresh] = into.byIdentity.emplace(std::move(key), into.objects.size());
    if (!fresh) {
      const ManifestObject& first = into.objects[it->second];
      into.errors.push_back({object.source, describeObject(value), "metadata.name",
                             "duplicate " + kind + " name \"" + name + "\": given again (first at " +
                                 first.source + ", " + first.place + "); counted once"});
      return;
    }
  }
  object.errorsBefore = into.errors.size();
  into.objects.push_back(std::move(object));
}

void addDocument(json value, const std::string& source, const std::string& place,
                 std::vector<DocumentProblem> problems, int listDepth, ManifestCollection& into) {
  if (!value.is_object()) {
    into.errors.push_back({source, place, "", "expected an object, got " + std::string(value.type_name())});
    return;
  }
  if (!isList(value)) {
    addObject(ManifestObject{std::move(value), source, place, std::move(problems)}, into);
    return;
  }
  if (!problems.empty()) {
    // Which item a problem lies in does not matter: the List is one document, refused whole.
    for (auto& p : problems) into.errors.push_back({source, place + " (List)", p.field, p.message});
    return;
  }
  if (listDepth >= kMaxListDepth) {
    into.errors.push_back({source, place + " (List)", "items",
                           "Lists nested deeper than " + std::to_string(kMaxListDepth) + " levels"});
    return;
  }
  auto items = value.find("items");
  if (items == value.end() || items->is_null()) return;
  if (!items->is_array()) {
    into.errors.push_back({source, place + " (List)", "items", "expected an array"});
    return;
  }
  for (size_t i = 0; i < items->size(); ++i) {
    addDocument(std::move((*items)[i]), source, place + ", items[" + std::to_string(i) + "]", {},
                listDepth + 1, into);
  }
}

}  // namespace

void collectText(const std::string& text, const std::string& source, ManifestCollection& into,
                 const LoadOptions& options) {
  auto docs = parseYamlDocumentsChecked(text, YamlLimits{.maxNodesPerDocument = options.maxNodesPerDocument});
  if (!docs) {
    into.errors.push_back({source, "", "", docs.error().message()});
    return;
  }
  for (size_t i = 0; i < docs->size(); ++i) {
    ParsedDocument& doc = (*docs)[i];
    addDocument(std::move(doc.value), source, "document " + std::to_string(i + 1),
                std::move(doc.problems), 0, into);
  }
}

namespace {

// Reads one file unless its real path was read before.
void collectFile(const fs::path& file, ManifestCollection& into, const LoadOptions& options) {
  std::error_code ec;
  const fs::path real = fs::canonical(file, ec);
  if (!ec && !into.filesRead.insert(real.string()).second) return;
  auto text = readFile(file, options.maxFileBytes);
  if (!text) {
    into.errors.push_back({file.string(), "", "", text.error().message()});
    return;
  }
  collectText(*text, file.string(), into, options);
}

}  // namespace

Result<std::vector<json>> parseDocuments(std::string_view text, const LoadOptions& options) {
  auto parsed = parseYamlDocumentsChecked(text, YamlLimits{.maxNodesPerDocument = options.maxNodesPerDocument});
  if (!parsed) return fail(parsed.error());
  std::vector<json> docs;
  docs.reserve(parsed->size());
  for (auto& doc : *parsed) docs.push_back(std::move(doc.value));
  return docs;
}

Status collectManifests(const std::string& path, ManifestCollection& into, const LoadOptions& options) {
  if (path == kStandardInputPath) {
    auto text = readStandardInput(options.maxFileBytes);
    if (!text) {
      into.errors.push_back({std::string(kStandardInputName), "", "", text.error().message()});
    } else {
      collectText(*text, std::string(kStandardInputName), into, options);
    }
    return Status::ok();
  }
  std::error_code ec;
  const fs::path root(path);
  if (!fs::exists(root, ec)) return Status::notFound(path + ": no such file or directory");
  if (!fs::is_directory(root, ec)) {
    collectFile(root, into, options);
    return Status::ok();
  }
  auto files = manifestFilesUnder(root);
  if (!files) {
    into.errors.push_back({path, "", "", files.error().message()});
    return Status::ok();
  }
  for (const auto& file : *files) collectFile(file, into, options);
  return Status::ok();
}

Status loadManifests(const std::string& path, Workload& out, const LoadOptions& options) {
  ManifestCollection collection;
  if (Status s = collectManifests(path, collection, options); !s.isOk()) return s;
  expandManifests(collection, out, options);
  return Status::ok();
}

}  // namespace gantry::workload
