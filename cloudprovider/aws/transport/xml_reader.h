// A small, strict, non-validating XML reader for AWS Query-protocol responses (EC2, STS).
// Hand-written rather than Boost.PropertyTree so it never throws, bounds its own depth and
// size, and is easy to fuzz. It keeps what AWS responses use: elements, character data,
// CDATA and the predefined and numeric entities; attributes are checked and dropped, and
// a DOCTYPE is refused (no entity expansion of any kind).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "src/common/status.h"

namespace gantry::cloudprovider::aws {

struct XmlNode {
  std::string name{};  // local name: a namespace prefix ("ec2:item") is dropped
  std::string text{};  // character data directly inside, entities decoded, outer whitespace trimmed
  std::vector<XmlNode> children{};

  // The first child with this local name, or nullptr.
  const XmlNode* child(std::string_view childName) const;
  // The node at a '/'-separated path of child names below this one ("a/b/c"), or nullptr.
  const XmlNode* find(std::string_view path) const;
  // The text at `path`, or "" when absent.
  std::string textAt(std::string_view path) const;
  // The children named `childName` of the node at `path` (for EC2 lists: items("xSet", "item")).
  std::vector<const XmlNode*> items(std::string_view path,
                                    std::string_view childName = "item") const;
};

struct XmlLimits {
  std::size_t maxDepth = 64;
  std::size_t maxNodes = 1'000'000;
};

// Parses a whole document and returns its root element.
// Errors: Status::invalid for malformed XML, a DOCTYPE, or a document over the limits.
Result<XmlNode> parseXml(std::string_view document, const XmlLimits& limits = {});

}  // namespace gantry::cloudprovider::aws
