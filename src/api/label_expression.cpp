// A hand-written recursive-descent parser for label_expression.h: the grammar is a dozen
// tokens, and a parser of our own gives error messages that point at the character a user
// mistyped, which a regular expression would not.
#include "src/api/label_expression.h"

#include <cctype>
#include <string>
#include <utility>
#include <vector>

namespace gantry::api {
namespace {

bool isValueChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
}
bool isKeyChar(char c) {
  return isValueChar(c) || c == '/';
}

class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {}

  Result<NodeSelectorTerm> parse() {
    NodeSelectorTerm term;
    skipSpaces();
    if (atEnd()) return error("an empty expression; expected at least one requirement");
    while (true) {
      auto requirement = parseRequirement();
      if (!requirement) return fail(requirement.error());
      term.requirements.push_back(std::move(*requirement));
      skipSpaces();
      if (atEnd()) return term;
      if (peek() != ',') return error("expected ',' or the end of the expression");
      ++pos_;
      skipSpaces();
      if (atEnd()) return error("expected a requirement after ','");
    }
  }

 private:
  Result<Requirement> parseRequirement() {
    if (peek() == '!') {
      ++pos_;
      skipSpaces();
      auto key = parseKey();
      if (!key) return fail(key.error());
      return make(std::move(*key), SelectorOp::kDoesNotExist, {});
    }
    auto key = parseKey();
    if (!key) return fail(key.error());
    const size_t afterKey = pos_;
    skipSpaces();
    if (atEnd() || peek() == ',') return make(std::move(*key), SelectorOp::kExists, {});
    if (consume("==") || consume("=")) return single(std::move(*key), SelectorOp::kIn, false);
    if (consume("!=")) return single(std::move(*key), SelectorOp::kNotIn, false);
    if (consume(">")) return single(std::move(*key), SelectorOp::kGt, true);
    if (consume("<")) return single(std::move(*key), SelectorOp::kLt, true);
    if (pos_ > afterKey) {  // a word operator needs the space before it
      if (consumeWord("notin")) return list(std::move(*key), SelectorOp::kNotIn);
      if (consumeWord("in")) return list(std::move(*key), SelectorOp::kIn);
    }
    return error("expected an operator (=, ==, !=, >, <, in, notin), ',' or the end after key \"" +
                 *key + "\"");
  }

  // key OP value (one value; may be empty unless `integer`).
  Result<Requirement> single(std::string key, SelectorOp op, bool integer) {
    skipSpaces();
    const size_t start = pos_;
    std::string value = takeWhile(isValueChar);
    if (integer) {
      if (value.empty()) {
        pos_ = start;
        return error("expected an integer after " + std::string(selectorOpName(op)));
      }
    }
    return make(std::move(key), op, {std::move(value)});
  }

  // key in (v1, v2, ...)
  Result<Requirement> list(std::string key, SelectorOp op) {
    skipSpaces();
    if (peek() != '(') return error("expected '(' after " + std::string(selectorOpName(op)));
    ++pos_;
    std::vector<std::string> values;
    while (true) {
      skipSpaces();
      const size_t start = pos_;
      std::string value = takeWhile(isValueChar);
      if (value.empty()) {
        pos_ = start;
        return error("expected a label value");
      }
      values.push_back(std::move(value));
      skipSpaces();
      if (peek() == ',') {
        ++pos_;
        continue;
      }
      if (peek() == ')') {
        ++pos_;
        break;
      }
      return error("expected ',' or ')' in the value list");
    }
    return make(std::move(key), op, std::move(values));
  }

  Result<std::string> parseKey() {
    const size_t start = pos_;
    std::string key = takeWhile(isKeyChar);
    if (key.empty()) return error("expected a label key");
    const size_t slash = key.find('/');
    if (slash != std::string::npos &&
        (slash == 0 || slash + 1 == key.size() || key.find('/', slash + 1) != std::string::npos)) {
      pos_ = start;
      return error("bad label key \"" + key + "\" (want [prefix/]name)");
    }
    return key;
  }

  Result<Requirement> make(std::string key, SelectorOp op, std::vector<std::string> values) {
    auto requirement = Requirement::make(std::move(key), op, std::move(values));
    if (!requirement) {
      return fail(Status::invalid("requirements expression: " + requirement.error().message()));
    }
    return requirement;
  }

  std::string takeWhile(bool (*pred)(char)) {
    const size_t start = pos_;
    while (!atEnd() && pred(text_[pos_])) ++pos_;
    return std::string(text_.substr(start, pos_ - start));
  }
  bool consume(std::string_view token) {
    if (!text_.substr(pos_).starts_with(token)) return false;
    pos_ += token.size();
    return true;
  }
  // A keyword followed by a space or '(' (so "inx" is not "in").
  bool consumeWord(std::string_view word) {
    if (!text_.substr(pos_).starts_with(word)) return false;
    const size_t end = pos_ + word.size();
    if (end < text_.size() && text_[end] != '(' &&
        !std::isspace(static_cast<unsigned char>(text_[end]))) {
      return false;
    }
    pos_ = end;
    return true;
  }
  void skipSpaces() {
    while (!atEnd() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
  }
  bool atEnd() const { return pos_ >= text_.size(); }
  char peek() const { return atEnd() ? '\0' : text_[pos_]; }

  std::unexpected<Status> error(const std::string& what) const {
    std::string near = atEnd() ? "the end" : "\"" + std::string(text_.substr(pos_, 20)) + "\"";
    return fail(Status::invalid("requirements expression: " + what + " at position " +
                                std::to_string(pos_ + 1) + " (near " + near + ")"));
  }

  std::string_view text_;
  size_t pos_ = 0;
};

}  // namespace

Result<NodeSelectorTerm> parseLabelExpression(std::string_view text) {
  return Parser(text).parse();
}

}  // namespace gantry::api
