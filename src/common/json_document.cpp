// See json_document.h.
#include "src/common/json_document.h"

#include <functional>
#include <string>
#include <unordered_set>
#include <vector>

#include "src/common/json_nesting.h"

namespace gantry {

using nlohmann::json;

namespace {

// Watches nlohmann's parse events for a key repeated in one object. Keeps a frame per open
// object or array so that a problem can name its JSON path.
class JsonDuplicateKeys {
 public:
  bool operator()(int /*depth*/, json::parse_event_t event, json& parsed) {
    switch (event) {
      case json::parse_event_t::object_start:
        stack_.push_back(Frame{false, 0, "", {}});
        break;
      case json::parse_event_t::array_start:
        stack_.push_back(Frame{true, 0, "", {}});
        break;
      case json::parse_event_t::key: {
        Frame& top = stack_.back();
        top.key = parsed.get<std::string>();
        if (!top.keys.insert(top.key).second && problems_.size() < kMaxProblemsPerDocument) {
          problems_.push_back({path(), "duplicate key; a key may appear once in an object"});
        }
        break;
      }
      case json::parse_event_t::object_end:
      case json::parse_event_t::array_end:
        stack_.pop_back();
        valueDone();
        break;
      case json::parse_event_t::value:
        valueDone();
        break;
    }
    return true;  // keep everything: the document is refused later, not trimmed here
  }

  std::vector<DocumentProblem> takeProblems() { return std::move(problems_); }

 private:
  struct Frame {
    bool array;
    size_t next;  // arrays: the index of the element being read
    std::string key;  // objects: the key being read
    std::unordered_set<std::string> keys;
  };

  void valueDone() {
    if (!stack_.empty() && stack_.back().array) ++stack_.back().next;
  }

  std::string path() const {
    std::string out;
    for (const Frame& f : stack_) {
      if (f.array) {
        out += "[" + std::to_string(f.next) + "]";
      } else {
        if (!out.empty()) out += ".";
        out += f.key;
      }
    }
    return out;
  }

  std::vector<Frame> stack_;
  std::vector<DocumentProblem> problems_;
};

}  // namespace

std::optional<ParsedDocument> parseJsonDocumentChecked(std::string_view text, int maxDepth) {
  // The JSON parser itself is iterative, but everything that walks the result afterwards
  // recurses, so nesting is bounded before parsing.
  if (jsonNestingExceeds(text, maxDepth)) return std::nullopt;
  JsonDuplicateKeys duplicates;
  json doc = json::parse(text, std::ref(duplicates), /*allow_exceptions=*/false);
  if (doc.is_discarded()) return std::nullopt;
  return ParsedDocument{std::move(doc), duplicates.takeProblems()};
}

}  // namespace gantry
