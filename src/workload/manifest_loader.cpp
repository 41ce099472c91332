// Manifest files, directories of them and standard input, read into a Workload. The YAML
// itself is parsed, within bounds, by src/common/yaml_documents.h.
#include "src/workload/manifest_loader.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <unistd.h>

#include "src/common/yaml_documents.h"

namespace gantry::workload {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

Result<std::string> readFile(const fs::path& path, size_t maxBytes) {
  std::error_code ec;
  auto size = fs::file_size(path, ec);
  if (ec) return fail(Status::invalid(path.string() + ": cannot read: " + ec.message()));
  if (size > maxBytes) {
    return fail(Status::invalid(path.string() + ": file is " + std::to_string(size) +
                                " bytes; the limit is " + std::to_string(maxBytes)));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(Status::invalid(path.string() + ": cannot open: " + std::strerror(errno)));
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
      return fail(Status::invalid(std::string(kStandardInputName) +
                                  ": cannot read: " + std::strerror(errno)));
    }
    if (n == 0) return text;
    text.append(buf, static_cast<size_t>(n));
    if (text.size() > maxBytes) {
      return fail(Status::invalid(std::string(kStandardInputName) +
                                  ": input is larger than the limit of " +
                                  std::to_string(maxBytes) + " bytes"));
    }
  }
}

bool isManifestFile(const fs::path& p) {
  auto ext = p.extension().string();
  return ext == ".yaml" || ext == ".yml" || ext == ".json";
}

}  // namespace

Result<std::vector<json>> parseDocuments(std::string_view text, const LoadOptions& options) {
  return parseYamlDocuments(text, YamlLimits{.maxNodesPerDocument = options.maxNodesPerDocument});
}

namespace {

// One file's (or standard input's) text: its documents, each expanded into `out`.
Status loadText(const std::string& text, const std::string& source, Workload& out,
                const LoadOptions& options) {
  auto docs = parseDocuments(text, options);
  if (!docs) return docs.error().withContext(source);
  for (size_t i = 0; i < docs->size(); ++i) {
    const json& doc = (*docs)[i];
    if (!doc.is_object()) {
      out.errors.push_back({source, "document " + std::to_string(i + 1), "",
                            "expected an object, got " + std::string(doc.type_name())});
      continue;
    }
    const size_t errorsBefore = out.errors.size();
    expandObject(doc, source, out, options.expand);
    // An unnamed object is best found by its place in the file.
    for (size_t e = errorsBefore; e < out.errors.size(); ++e) {
      std::string& object = out.errors[e].object;
      if (object.ends_with(kUnnamedObject)) {
        object = "document " + std::to_string(i + 1) + " (" +
                 object.substr(0, object.size() - kUnnamedObject.size() - 1) + ")";
      }
    }
  }
  return Status::ok();
}

}  // namespace

Status loadManifests(const std::string& path, Workload& out, const LoadOptions& options) {
  if (path == kStandardInputPath) {
    auto text = readStandardInput(options.maxFileBytes);
    if (!text) return text.error();
    return loadText(*text, std::string(kStandardInputName), out, options);
  }
  std::error_code ec;
  fs::path root(path);
  if (!fs::exists(root, ec)) return Status::notFound(path + ": no such file or directory");
  std::vector<fs::path> files;
  if (fs::is_directory(root, ec)) {
    for (auto it = fs::recursive_directory_iterator(root, ec); !ec && it != fs::end(it);
         it.increment(ec)) {
      std::error_code typeEc;  // an entry that vanished or cannot be read is skipped
      if (it->is_regular_file(typeEc) && isManifestFile(it->path())) files.push_back(it->path());
    }
    if (ec) return Status::invalid(path + ": cannot list directory: " + ec.message());
    std::sort(files.begin(), files.end());
  } else {
    files.push_back(root);
  }
  for (const auto& file : files) {
    auto text = readFile(file, options.maxFileBytes);
    if (!text) return text.error();
    if (Status s = loadText(*text, file.string(), out, options); !s.isOk()) return s;
  }
  return Status::ok();
}

}  // namespace gantry::workload
