// The AWS Query protocol's request side (EC2, STS): form parameters after Action and
// Version, lists numbered from 1 ("Filter.1.Value.2"). Service-specific shapes (EC2's
// filters and tag specifications) are encoded by their service's folder on top of this.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace gantry::cloudprovider::aws {

class QueryParams {
 public:
  // Starts with Action and Version (the service's API version, e.g. "2016-11-15" for EC2).
  QueryParams(std::string_view action, std::string_view version);

  void add(std::string key, std::string value);
  // Adds nothing for an empty value.
  void addIfSet(std::string key, const std::string& value);
  void addInt(std::string key, std::int64_t value);
  void addBool(std::string key, bool value);
  void addDouble(std::string key, double value);
  // prefix.1=v1, prefix.2=v2 ...
  void addList(std::string_view prefix, const std::vector<std::string>& values);

  std::string action() const;
  // The value of `key`, if present (the first one).
  std::optional<std::string> get(std::string_view key) const;
  const std::vector<std::pair<std::string, std::string>>& entries() const { return entries_; }
  // application/x-www-form-urlencoded body: key=value pairs, RFC 3986 percent-encoded.
  std::string encode() const;

 private:
  std::vector<std::pair<std::string, std::string>> entries_;
};

}  // namespace gantry::cloudprovider::aws
