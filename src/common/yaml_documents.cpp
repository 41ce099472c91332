// One bounded reader for untrusted YAML and JSON: manifests (src/workload) and kubeconfig
// files (src/kube). YAML goes through yaml-cpp's event API and is converted to JSON with Kubernetes' scalar
// typing (unquoted numbers and booleans are typed, quoted ones are strings), so that one
// decoder serves both formats. Plain JSON goes through nlohmann's parser, with a callback
// that notices repeated keys (the parser itself keeps the last one silently).
#include "src/common/yaml_documents.h"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <optional>
#include <sstream>

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include "src/common/json_document.h"
#include "src/common/utf8.h"

namespace gantry {

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

// Values a document may gain through aliases: a floor for small documents plus a multiple
// of the values written out in the text. Real manifests reuse a few anchored blocks; a
// "billion laughs" gains exponentially many and is stopped here long before the overall
// budget (YamlLimits::maxNodesPerDocument) would have to be spent building it.
constexpr size_t kAliasFloor = 100'000;
constexpr size_t kAliasPerOwnValue = 10;

// Thrown from inside yaml-cpp's parse callbacks to stop the parse; parseYamlDocumentsChecked
// turns it into a Status. Never escapes this file.
struct LimitExceeded {
  YAML::Mark mark;
  std::string message;
};

size_t saturatingAdd(size_t a, size_t b) { return a > SIZE_MAX - b ? SIZE_MAX : a + b; }

// Builds JSON straight from yaml-cpp's parse events, one document at a time. Going through
// events rather than YAML::Node lets every limit act before memory is spent: nesting depth
// as a collection opens, and alias expansion before the aliased value is copied (a Node
// graph shares aliased nodes, so its size says nothing about what converting it costs).
class JsonBuilder : public YAML::EventHandler {
 public:
  explicit JsonBuilder(size_t budget) : budget_(budget) {}

  // Non-empty documents so far (a document that is only null counts as empty).
  std::vector<ParsedDocument>& documents() { return documents_; }

  void OnDocumentStart(const YAML::Mark& mark) override {
    // yaml-cpp 0.7 loops forever on a stray flow indicator outside any collection (a lone
    // ","): it starts a new empty document at the same place again and again. A document
    // that starts where the previous one did means no progress; stop there.
    if (lastDocumentStart_ && mark.pos <= *lastDocumentStart_) {
      throw LimitExceeded{mark, "unexpected character; the YAML parser cannot continue past it"};
    }
    lastDocumentStart_ = mark.pos;
    stack_.clear();
    anchors_.clear();
    root_.reset();
    problems_.clear();
    values_ = 0;
    ownValues_ = 0;
    aliasValues_ = 0;
  }
  void OnDocumentEnd() override {
    if (root_ && !root_->is_null()) {
      documents_.push_back(ParsedDocument{std::move(*root_), std::move(problems_)});
    }
    root_.reset();
    problems_.clear();
    anchors_.clear();
  }

  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    spend(mark, 1);
    ++ownValues_;
    add(mark, json(nullptr), anchor, 1, "");
  }

  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    auto it = anchors_.find(anchor);
    if (it == anchors_.end()) {
      // The anchor is still open: the alias sits inside the node it names (a cycle).
      throw LimitExceeded{mark, "alias refers to a node that contains it"};
    }
    const Anchored& target = it->second;
    const size_t limit = saturatingAdd(kAliasFloor, ownValues_ > SIZE_MAX / kAliasPerOwnValue
                                                        ? SIZE_MAX
                                                        : ownValues_ * kAliasPerOwnValue);
    aliasValues_ = saturatingAdd(aliasValues_, target.size);
    if (aliasValues_ > limit) {
      throw LimitExceeded{mark, "aliases expand to more than " + std::to_string(limit) +
                                    " values (alias bomb?)"};
    }
    spend(mark, target.size);
    add(mark, json(target.value), 0, target.size, target.keyText);
  }

  void OnScalar(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                const std::string& value) override {
    spend(mark, 1);
    ++ownValues_;
    if (!isValidUtf8(value)) {
      // Refused rather than repaired: a name changed behind the user's back would plan an
      // object they did not write. Keys are checked here too (a key arrives as a scalar).
      problem(pathOfNext(), "not valid UTF-8 text (Kubernetes accepts only UTF-8)");
    }
    // yaml-cpp tags quoted scalars "!" (non-specific) and plain ones "?"; `!!str 7` arrives
    // as tag:yaml.org,2002:str. Only plain untagged scalars are typed, as kubectl does.
    std::optional<json> typed;
    if (tag != "!" && tag != "tag:yaml.org,2002:str") typed = typedScalar(value);
    add(mark, typed ? std::move(*typed) : json(value), anchor, 1, value);
  }

  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value) override {
    open(mark, json::array(), anchor);
  }
  void OnSequenceEnd() override { close(); }
  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value) override {
    open(mark, json::object(), anchor);
  }
  void OnMapEnd() override { close(); }

 private:
  struct Frame {
    json value;  // an array or an object being filled
    YAML::anchor_t anchor = 0;
    size_t size = 1;  // values in this subtree, itself included
    YAML::Mark mark;
    std::optional<std::string> key;  // objects: the key read, waiting for its value
  };
  struct Anchored {
    json value;
    size_t size = 1;
    std::optional<std::string> keyText;  // the raw text of a scalar, so it can be a key
  };

  void spend(const YAML::Mark& mark, size_t n) {
    values_ = saturatingAdd(values_, n);
    if (values_ > budget_) {
      throw LimitExceeded{mark, "document expands to more than " + std::to_string(budget_) +
                                    " values (alias bomb?)"};
    }
  }

  bool expectingKey() const {
    return !stack_.empty() && stack_.back().value.is_object() && !stack_.back().key;
  }

  void open(const YAML::Mark& mark, json value, YAML::anchor_t anchor) {
    if (expectingKey()) throw LimitExceeded{mark, "mapping key is not a scalar"};
    if (stack_.size() >= static_cast<size_t>(kMaxDepth)) {
      throw LimitExceeded{mark, "document nested deeper than " + std::to_string(kMaxDepth) +
                                    " levels"};
    }
    spend(mark, 1);
    ++ownValues_;
    stack_.push_back(Frame{std::move(value), anchor, 1, mark, std::nullopt});
  }

  void close() {
    Frame f = std::move(stack_.back());
    stack_.pop_back();
    add(f.mark, std::move(f.value), f.anchor, f.size, std::nullopt);
  }

  // Places a finished value in its parent (or as the document root) and remembers it
  // under its anchor.
  void add(const YAML::Mark& mark, json value, YAML::anchor_t anchor, size_t size,
           std::optional<std::string> keyText) {
    if (anchor != 0) anchors_[anchor] = Anchored{value, size, keyText};
    if (stack_.empty()) {
      root_ = std::move(value);
      return;
    }
    Frame& parent = stack_.back();
    parent.size = saturatingAdd(parent.size, size);
    if (parent.value.is_array()) {
      parent.value.push_back(std::move(value));
    } else if (!parent.key) {
      if (!keyText) throw LimitExceeded{mark, "mapping key is not a scalar"};
      const bool repeated = parent.value.contains(*keyText);
      parent.key = std::move(*keyText);
      if (repeated) {
        problem(pathOfNext(), "duplicate key (line " + std::to_string(mark.line + 1) +
                                  "); a key may appear once in an object");
      }
    } else {
      parent.value[*parent.key] = std::move(value);
      parent.key.reset();
    }
  }

  // The JSON path of the value about to be added: each open collection contributes the key
  // waiting for its value, or the index the next element will get.
  std::string pathOfNext() const {
    std::string path;
    for (const Frame& f : stack_) {
      if (f.value.is_array()) {
        path += "[" + std::to_string(f.value.size()) + "]";
      } else if (f.key) {
        if (!path.empty()) path += ".";
        path += *f.key;
      }
    }
    return path;
  }

  void problem(std::string field, std::string message) {
    if (problems_.size() < kMaxProblemsPerDocument) {
      problems_.push_back({std::move(field), std::move(message)});
    }
  }

  size_t budget_;
  std::vector<ParsedDocument> documents_;
  std::vector<DocumentProblem> problems_;
  std::vector<Frame> stack_;
  std::map<YAML::anchor_t, Anchored> anchors_;
  std::optional<json> root_;
  size_t values_ = 0;       // every value built in this document, aliases included
  size_t ownValues_ = 0;    // values written out in the text
  size_t aliasValues_ = 0;  // values copied through aliases
  std::optional<int> lastDocumentStart_;
};

std::string where(const YAML::Mark& mark) {
  if (mark.is_null()) return "";
  return "line " + std::to_string(mark.line + 1) + ", column " + std::to_string(mark.column + 1) + ": ";
}

}  // namespace

Result<std::vector<ParsedDocument>> parseYamlDocumentsChecked(std::string_view text,
                                                              const YamlLimits& limits) {
  std::vector<ParsedDocument> docs;
  // Plain JSON is parsed directly: faster, and exact for numbers.
  auto first = text.find_first_not_of(" \t\r\n");
  if (first != std::string_view::npos && (text[first] == '{' || text[first] == '[')) {
    // The JSON parser itself is iterative, but everything that walks the result afterwards
    // (the decoders, the fuzzer) recurses, so nesting is bounded. A scan of the brackets
    // skips the JSON parser for deep text; the YAML path below then refuses it precisely
    // (naming where) without building more than the allowed depth.
    if (auto doc = parseJsonDocumentChecked(text, kMaxDepth)) {
      docs.push_back(std::move(*doc));
      return docs;
    }
    // Not valid JSON (invalid UTF-8 included): it may still be YAML flow style; fall through.
  }
  try {
    std::istringstream in{std::string(text)};
    YAML::Parser parser(in);
    JsonBuilder builder(limits.maxNodesPerDocument);
    while (parser.HandleNextDocument(builder)) {
    }
    docs = std::move(builder.documents());
  } catch (const YAML::Exception& e) {
    return fail(Status::invalid(where(e.mark) + e.msg));
  } catch (const LimitExceeded& e) {
    return fail(Status::invalid(where(e.mark) + e.message));
  }
  return docs;
}

Result<std::vector<json>> parseYamlDocuments(std::string_view text, const YamlLimits& limits) {
  auto parsed = parseYamlDocumentsChecked(text, limits);
  if (!parsed) return fail(parsed.error());
  std::vector<json> docs;
  docs.reserve(parsed->size());
  for (auto& doc : *parsed) {
    if (!doc.problems.empty()) {
      const DocumentProblem& p = doc.problems.front();
      return fail(Status::invalid(p.field + ": " + p.message));
    }
    docs.push_back(std::move(doc.value));
  }
  return docs;
}

}  // namespace gantry
