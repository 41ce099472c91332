// An iterative (explicit stack) reader, so hostile nesting cannot overflow the call stack;
// every branch returns a Status instead of throwing, which keeps the fuzz target simple.
#include "cloudprovider/aws/transport/xml_reader.h"

#include <cstdint>

namespace gantry::cloudprovider::aws {
namespace {

bool isSpace(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

bool isNameStart(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' || c >= 0x80;
}

bool isNameChar(unsigned char c) {
  return isNameStart(c) || (c >= '0' && c <= '9') || c == '-' || c == '.';
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && isSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && isSpace(s.back())) s.remove_suffix(1);
  return s;
}

void appendUtf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

class Parser {
 public:
  Parser(std::string_view doc, const XmlLimits& limits) : doc_(doc), limits_(limits) {}

  Result<XmlNode> run() {
    if (doc_.starts_with("\xEF\xBB\xBF")) pos_ = 3;  // UTF-8 byte order mark
    std::vector<XmlNode> stack;
    std::vector<std::string> rawText;  // untrimmed text of each open element
    bool haveRoot = false;
    XmlNode root;
    while (pos_ < doc_.size()) {
      if (doc_[pos_] != '<') {
        const auto next = doc_.find('<', pos_);
        const std::string_view chunk = doc_.substr(
            pos_, next == std::string_view::npos ? std::string_view::npos : next - pos_);
        pos_ = next == std::string_view::npos ? doc_.size() : next;
        if (stack.empty()) {
          if (!trim(chunk).empty()) return error("text outside the root element");
          continue;
        }
        if (Status s = decodeText(chunk, rawText.back()); !s.isOk()) return fail(s);
        continue;
      }
      const std::string_view rest = doc_.substr(pos_);
      if (rest.starts_with("<?")) {
        if (!skipPast("?>")) return error("unterminated processing instruction");
      } else if (rest.starts_with("<!--")) {
        if (!skipPast("-->")) return error("unterminated comment");
      } else if (rest.starts_with("<![CDATA[")) {
        if (stack.empty()) return error("CDATA outside the root element");
        const auto end = doc_.find("]]>", pos_ + 9);
        if (end == std::string_view::npos) return error("unterminated CDATA section");
        rawText.back().append(doc_.substr(pos_ + 9, end - pos_ - 9));
        pos_ = end + 3;
      } else if (rest.starts_with("<!")) {
        return error("DOCTYPE and other declarations are not accepted");
      } else if (rest.starts_with("</")) {
        pos_ += 2;
        const std::string_view name = readName();
        if (name.empty()) return error("bad end tag");
        skipSpaces();
        if (pos_ >= doc_.size() || doc_[pos_] != '>') return error("bad end tag");
        ++pos_;
        if (stack.empty() || stack.back().name != localName(name)) {
          return error("mismatched end tag");
        }
        XmlNode done = std::move(stack.back());
        done.text = std::string(trim(rawText.back()));
        stack.pop_back();
        rawText.pop_back();
        if (stack.empty()) {
          root = std::move(done);
        } else {
          stack.back().children.push_back(std::move(done));
        }
      } else {
        if (haveRoot && stack.empty()) return error("more than one root element");
        ++pos_;
        const std::string_view name = readName();
        if (name.empty()) return error("bad start tag");
        if (++nodes_ > limits_.maxNodes) return error("too many elements");
        bool selfClosing = false;
        if (Status s = skipAttributes(selfClosing); !s.isOk()) return fail(s);
        XmlNode node;
        node.name = std::string(localName(name));
        haveRoot = true;
        if (selfClosing) {
          if (stack.empty()) {
            root = std::move(node);
          } else {
            stack.back().children.push_back(std::move(node));
          }
          continue;
        }
        if (stack.size() >= limits_.maxDepth) return error("elements nested too deeply");
        stack.push_back(std::move(node));
        rawText.emplace_back();
      }
    }
    if (!stack.empty()) return error("unclosed element <" + stack.back().name + ">");
    if (!haveRoot) return error("no root element");
    return root;
  }

 private:
  std::unexpected<Status> error(const std::string& what) const {
    return fail(Status::invalid("malformed XML at byte " + std::to_string(pos_) + ": " + what));
  }

  static std::string_view localName(std::string_view name) {
    const auto colon = name.rfind(':');
    return colon == std::string_view::npos ? name : name.substr(colon + 1);
  }

  bool skipPast(std::string_view terminator) {
    const auto end = doc_.find(terminator, pos_ + 2);
    if (end == std::string_view::npos) return false;
    pos_ = end + terminator.size();
    return true;
  }

  void skipSpaces() {
    while (pos_ < doc_.size() && isSpace(doc_[pos_])) ++pos_;
  }

  std::string_view readName() {
    const std::size_t start = pos_;
    if (pos_ >= doc_.size() || !isNameStart(static_cast<unsigned char>(doc_[pos_]))) return {};
    while (pos_ < doc_.size() && isNameChar(static_cast<unsigned char>(doc_[pos_]))) ++pos_;
    return doc_.substr(start, pos_ - start);
  }

  // Consumes attributes up to and including '>' or '/>'; values are checked, not kept.
  Status skipAttributes(bool& selfClosing) {
    for (;;) {
      const bool hadSpace = pos_ < doc_.size() && isSpace(doc_[pos_]);
      skipSpaces();
      if (pos_ >= doc_.size()) return Status::invalid("malformed XML: unterminated start tag");
      if (doc_[pos_] == '>') {
        ++pos_;
        return Status::ok();
      }
      if (doc_.substr(pos_).starts_with("/>")) {
        pos_ += 2;
        selfClosing = true;
        return Status::ok();
      }
      if (!hadSpace || readName().empty()) {
        return Status::invalid("malformed XML at byte " + std::to_string(pos_) + ": bad attribute");
      }
      skipSpaces();
      if (pos_ >= doc_.size() || doc_[pos_] != '=') {
        return Status::invalid("malformed XML: attribute without a value");
      }
      ++pos_;
      skipSpaces();
      if (pos_ >= doc_.size() || (doc_[pos_] != '"' && doc_[pos_] != '\'')) {
        return Status::invalid("malformed XML: unquoted attribute value");
      }
      const char quote = doc_[pos_];
      const auto end = doc_.find(quote, pos_ + 1);
      if (end == std::string_view::npos) {
        return Status::invalid("malformed XML: unterminated attribute value");
      }
      if (doc_.substr(pos_ + 1, end - pos_ - 1).find('<') != std::string_view::npos) {
        return Status::invalid("malformed XML: '<' in an attribute value");
      }
      pos_ = end + 1;
    }
  }

  // Appends `chunk` to `out` with entity references decoded.
  Status decodeText(std::string_view chunk, std::string& out) const {
    for (std::size_t i = 0; i < chunk.size(); ++i) {
      if (chunk[i] != '&') {
        out.push_back(chunk[i]);
        continue;
      }
      const auto semi = chunk.find(';', i);
      if (semi == std::string_view::npos || semi - i > 12) {
        return Status::invalid("malformed XML: bad entity reference");
      }
      const std::string_view ref = chunk.substr(i + 1, semi - i - 1);
      i = semi;
      if (ref == "lt")
        out.push_back('<');
      else if (ref == "gt")
        out.push_back('>');
      else if (ref == "amp")
        out.push_back('&');
      else if (ref == "quot")
        out.push_back('"');
      else if (ref == "apos")
        out.push_back('\'');
      else if (ref.size() >= 2 && ref[0] == '#') {
        const bool hex = ref[1] == 'x' || ref[1] == 'X';
        const std::string_view digits = ref.substr(hex ? 2 : 1);
        if (digits.empty()) return Status::invalid("malformed XML: empty character reference");
        std::uint32_t cp = 0;
        for (const char c : digits) {
          int v;
          if (c >= '0' && c <= '9')
            v = c - '0';
          else if (hex && c >= 'a' && c <= 'f')
            v = c - 'a' + 10;
          else if (hex && c >= 'A' && c <= 'F')
            v = c - 'A' + 10;
          else
            return Status::invalid("malformed XML: bad character reference");
          cp = cp * (hex ? 16 : 10) + static_cast<std::uint32_t>(v);
          if (cp > 0x10FFFF)
            return Status::invalid("malformed XML: character reference out of range");
        }
        if (cp == 0 || (cp >= 0xD800 && cp <= 0xDFFF)) {
          return Status::invalid("malformed XML: character reference to an invalid character");
        }
        appendUtf8(out, cp);
      } else {
        return Status::invalid("malformed XML: unknown entity &" + std::string(ref) + ";");
      }
    }
    return Status::ok();
  }

  std::string_view doc_;
  const XmlLimits& limits_;
  std::size_t pos_ = 0;
  std::size_t nodes_ = 0;
};

}  // namespace

const XmlNode* XmlNode::child(std::string_view childName) const {
  for (const auto& c : children) {
    if (c.name == childName) return &c;
  }
  return nullptr;
}

const XmlNode* XmlNode::find(std::string_view path) const {
  const XmlNode* node = this;
  while (node != nullptr && !path.empty()) {
    const auto slash = path.find('/');
    node = node->child(path.substr(0, slash));
    path = slash == std::string_view::npos ? std::string_view{} : path.substr(slash + 1);
  }
  return node;
}

std::string XmlNode::textAt(std::string_view path) const {
  const XmlNode* node = find(path);
  return node == nullptr ? std::string() : node->text;
}

std::vector<const XmlNode*> XmlNode::items(std::string_view path,
                                           std::string_view childName) const {
  std::vector<const XmlNode*> out;
  const XmlNode* list = find(path);
  if (list == nullptr) return out;
  for (const auto& c : list->children) {
    if (c.name == childName) out.push_back(&c);
  }
  return out;
}

Result<XmlNode> parseXml(std::string_view document, const XmlLimits& limits) {
  return Parser(document, limits).run();
}

}  // namespace gantry::cloudprovider::aws
