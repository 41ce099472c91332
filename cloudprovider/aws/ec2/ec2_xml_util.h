// Helpers shared by the ec2_xml*.cpp parsers (internal to cloudprovider/aws).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cloudprovider/aws/ec2/ec2_types.h"
#include "cloudprovider/aws/transport/xml_reader.h"
#include "src/common/status.h"

namespace gantry::cloudprovider::aws::xml {

// Parses `xml` and checks that its root element is `expectedRoot`.
Result<XmlNode> parseRoot(std::string_view xml, std::string_view expectedRoot);

std::int64_t toInt64(const std::string& text);  // 0 when empty or not a number
int toInt(const std::string& text);             // 0 when empty, not a number or out of range
double toDouble(const std::string& text);       // 0 when empty or not a number
bool toBool(const std::string& text);           // "true" (any case) is true
std::optional<Clock::TimePoint> toTime(const std::string& text);

std::int64_t int64At(const XmlNode& node, std::string_view path);
int intAt(const XmlNode& node, std::string_view path);
double doubleAt(const XmlNode& node, std::string_view path);
bool boolAt(const XmlNode& node, std::string_view path);
std::optional<Clock::TimePoint> timeAt(const XmlNode& node, std::string_view path);

// Texts of <path><item>..</item>...</path>.
std::vector<std::string> stringsAt(const XmlNode& node, std::string_view path);
// <path><item><key>..</key><value>..</value></item>...</path> (default path "tagSet").
std::vector<Tag> tagsAt(const XmlNode& node, std::string_view path = "tagSet");

}  // namespace gantry::cloudprovider::aws::xml
