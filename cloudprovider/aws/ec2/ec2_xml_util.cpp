// Lenient scalar conversions: a field EC2 (or moto) renders oddly must not fail a whole
// describe call, so bad numbers read as 0 and bad times as "unknown".
#include "cloudprovider/aws/ec2/ec2_xml_util.h"

#include <charconv>
#include <limits>

#include "cloudprovider/aws/transport/iso8601.h"

namespace gantry::cloudprovider::aws::xml {

Result<XmlNode> parseRoot(std::string_view xml, std::string_view expectedRoot) {
  auto root = parseXml(xml);
  if (!root) return fail(root.error());
  if (root->name != expectedRoot) {
    return fail(Status::invalid("unexpected response <" + root->name.substr(0, 64) + ">, wanted <" +
                                std::string(expectedRoot) + ">"));
  }
  return root;
}

std::int64_t toInt64(const std::string& text) {
  std::int64_t value = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  return ec == std::errc{} && ptr == text.data() + text.size() ? value : 0;
}

int toInt(const std::string& text) {
  const std::int64_t v = toInt64(text);
  if (v > std::numeric_limits<int>::max() || v < std::numeric_limits<int>::min()) return 0;
  return static_cast<int>(v);
}

double toDouble(const std::string& text) {
  double value = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  return ec == std::errc{} && ptr == text.data() + text.size() ? value : 0;
}

bool toBool(const std::string& text) {
  return text.size() == 4 && (text[0] == 't' || text[0] == 'T') &&
         (text[1] == 'r' || text[1] == 'R') && (text[2] == 'u' || text[2] == 'U') &&
         (text[3] == 'e' || text[3] == 'E');
}

std::optional<Clock::TimePoint> toTime(const std::string& text) {
  auto t = parseIso8601(text);
  if (!t) return std::nullopt;
  return *t;
}

std::int64_t int64At(const XmlNode& node, std::string_view path) {
  return toInt64(node.textAt(path));
}
int intAt(const XmlNode& node, std::string_view path) {
  return toInt(node.textAt(path));
}
double doubleAt(const XmlNode& node, std::string_view path) {
  return toDouble(node.textAt(path));
}
bool boolAt(const XmlNode& node, std::string_view path) {
  return toBool(node.textAt(path));
}
std::optional<Clock::TimePoint> timeAt(const XmlNode& node, std::string_view path) {
  return toTime(node.textAt(path));
}

std::vector<std::string> stringsAt(const XmlNode& node, std::string_view path) {
  std::vector<std::string> out;
  for (const XmlNode* item : node.items(path)) out.push_back(item->text);
  return out;
}

std::vector<Tag> tagsAt(const XmlNode& node, std::string_view path) {
  std::vector<Tag> out;
  for (const XmlNode* item : node.items(path)) {
    out.push_back({item->textAt("key"), item->textAt("value")});
  }
  return out;
}

}  // namespace gantry::cloudprovider::aws::xml
