// YAML and JSON manifest reading. YAML goes through yaml-cpp and is converted to JSON with
// Kubernetes' scalar typing (unquoted numbers and booleans are typed, quoted ones are
// strings), so that one decoder serves both formats.
#include "src/workload/manifest_loader.h"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <yaml-cpp/yaml.h>

namespace gantry::workload {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr int kMaxDepth = 200;

bool isYamlNull(const std::string& s) { return s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL"; }

std::optional<json> typedScalar(const std::string& s) {
  if (isYamlNull(s)) return json(nullptr);
  if (s == "true" || s == "True" || s == "TRUE") return json(true);
  if (s == "false" || s == "False" || s == "FALSE") return json(false);
  int64_t i = 0;
  auto [ip, iec] = std::from_chars(s.data(), s.data() + s.size(), i);
  if (iec == std::errc() && ip == s.data() + s.size()) return json(i);
  // Floats: only plain decimal forms; "1e3" style stays a string so quantities keep their
  // exact text (Kubernetes would read it as a number and print it back the same way).
  if (s.find_first_not_of("0123456789.-+") == std::string::npos &&
      std::count(s.begin(), s.end(), '.') == 1) {
    char* end = nullptr;
    errno = 0;
    double d = std::strtod(s.c_str(), &end);
    if (errno == 0 && end == s.c_str() + s.size()) return json(d);
  }
  return std::nullopt;
}

class YamlToJson {
 public:
  explicit YamlToJson(size_t budget) : budget_(budget) {}

  Result<json> convert(const YAML::Node& node, int depth = 0) {
    if (depth > kMaxDepth) {
      return fail(Status::invalid("document nested deeper than " + std::to_string(kMaxDepth) +
                                  " levels"));
    }
    if (budget_ == 0) {
      return fail(Status::invalid("document expands to too many values (alias bomb?)"));
    }
    --budget_;
    switch (node.Type()) {
      case YAML::NodeType::Undefined:
      case YAML::NodeType::Null:
        return json(nullptr);
      case YAML::NodeType::Scalar: {
        const std::string& s = node.Scalar();
        // Quoted scalars carry the non-specific tag "!" and are always strings.
        if (node.Tag() == "!") return json(s);
        if (node.Tag() == "tag:yaml.org,2002:str") return json(s);
        if (auto typed = typedScalar(s)) return *typed;
        return json(s);
      }
      case YAML::NodeType::Sequence: {
        json arr = json::array();
        for (const auto& item : node) {
          auto v = convert(item, depth + 1);
          if (!v) return v;
          arr.push_back(std::move(*v));
        }
        return arr;
      }
      case YAML::NodeType::Map: {
        json obj = json::object();
        for (const auto& kv : node) {
          if (!kv.first.IsScalar()) return fail(Status::invalid("mapping key is not a scalar"));
          auto v = convert(kv.second, depth + 1);
          if (!v) return v;
          obj[kv.first.Scalar()] = std::move(*v);
        }
        return obj;
      }
    }
    return json(nullptr);
  }

 private:
  size_t budget_;
};

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

bool isManifestFile(const fs::path& p) {
  auto ext = p.extension().string();
  return ext == ".yaml" || ext == ".yml" || ext == ".json";
}

}  // namespace

Result<std::vector<json>> parseDocuments(std::string_view text, const LoadOptions& options) {
  std::vector<json> docs;
  // Plain JSON is parsed directly: faster, and exact for numbers.
  auto first = text.find_first_not_of(" \t\r\n");
  if (first != std::string_view::npos && (text[first] == '{' || text[first] == '[')) {
    // The JSON parser itself is iterative, but everything that walks the result afterwards
    // (the decoders, the destructor of a deep value, the fuzzer's own code) recurses, so
    // nesting is bounded as it is for YAML. Returning false drops the too-deep value.
    bool tooDeep = false;
    json::parser_callback_t limitDepth = [&tooDeep](int depth, json::parse_event_t, json&) {
      if (depth > kMaxDepth) tooDeep = true;
      return !tooDeep;
    };
    json doc = json::parse(text, limitDepth, /*allow_exceptions=*/false);
    if (tooDeep) {
      return fail(Status::invalid("document nested deeper than " + std::to_string(kMaxDepth) +
                                  " levels"));
    }
    if (!doc.is_discarded()) {
      docs.push_back(std::move(doc));
      return docs;
    }
    // Not valid JSON: it may still be YAML flow style; fall through.
  }
  try {
    std::vector<YAML::Node> nodes = YAML::LoadAll(std::string(text));
    for (const auto& node : nodes) {
      if (node.IsNull()) continue;  // an empty document between "---" separators
      YamlToJson converter(options.maxNodesPerDocument);
      auto doc = converter.convert(node);
      if (!doc) return fail(doc.error());
      docs.push_back(std::move(*doc));
    }
  } catch (const YAML::Exception& e) {
    return fail(Status::invalid("line " + std::to_string(e.mark.line + 1) + ", column " +
                                std::to_string(e.mark.column + 1) + ": " + e.msg));
  }
  return docs;
}

Status loadManifests(const std::string& path, Workload& out, const LoadOptions& options) {
  std::error_code ec;
  fs::path root(path);
  if (!fs::exists(root, ec)) return Status::notFound(path + ": no such file or directory");
  std::vector<fs::path> files;
  if (fs::is_directory(root, ec)) {
    for (auto it = fs::recursive_directory_iterator(root, ec); !ec && it != fs::end(it);
         it.increment(ec)) {
      if (it->is_regular_file() && isManifestFile(it->path())) files.push_back(it->path());
    }
    if (ec) return Status::invalid(path + ": cannot list directory: " + ec.message());
    std::sort(files.begin(), files.end());
  } else {
    files.push_back(root);
  }
  for (const auto& file : files) {
    auto text = readFile(file, options.maxFileBytes);
    if (!text) return text.error();
    auto docs = parseDocuments(*text, options);
    if (!docs) return docs.error().withContext(file.string());
    for (size_t i = 0; i < docs->size(); ++i) {
      const json& doc = (*docs)[i];
      if (!doc.is_object()) {
        out.errors.push_back({file.string(), "document " + std::to_string(i + 1), "",
                              "expected an object, got " + std::string(doc.type_name())});
        continue;
      }
      const size_t errorsBefore = out.errors.size();
      expandObject(doc, file.string(), out, options.expand);
      // An unnamed object is best found by its place in the file.
      for (size_t e = errorsBefore; e < out.errors.size(); ++e) {
        std::string& object = out.errors[e].object;
        if (object.ends_with(kUnnamedObject)) {
          object = "document " + std::to_string(i + 1) + " (" +
                   object.substr(0, object.size() - kUnnamedObject.size() - 1) + ")";
        }
      }
    }
  }
  return Status::ok();
}

}  // namespace gantry::workload
