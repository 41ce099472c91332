// The AWS Query protocol's request body, shared by EC2 and STS: Action and Version, then
// form parameters, percent-encoded as the SDKs' Query marshallers do.
#include "cloudprovider/aws/transport/query_params.h"

#include <charconv>

#include "src/http/url.h"

namespace gantry::cloudprovider::aws {

QueryParams::QueryParams(std::string_view action, std::string_view version) {
  entries_.emplace_back("Action", std::string(action));
  entries_.emplace_back("Version", std::string(version));
}

void QueryParams::add(std::string key, std::string value) {
  entries_.emplace_back(std::move(key), std::move(value));
}

void QueryParams::addIfSet(std::string key, const std::string& value) {
  if (!value.empty()) add(std::move(key), value);
}

void QueryParams::addInt(std::string key, std::int64_t value) {
  add(std::move(key), std::to_string(value));
}

void QueryParams::addBool(std::string key, bool value) {
  add(std::move(key), value ? "true" : "false");
}

void QueryParams::addDouble(std::string key, double value) {
  char buf[64];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
  add(std::move(key), ec == std::errc{} ? std::string(buf, end) : std::string("0"));
}

void QueryParams::addList(std::string_view prefix, const std::vector<std::string>& values) {
  for (std::size_t i = 0; i < values.size(); ++i) add(std::string(prefix) + "." + std::to_string(i + 1), values[i]);
}

std::string QueryParams::action() const {
  return entries_.front().second;
}

std::optional<std::string> QueryParams::get(std::string_view key) const {
  for (const auto& [k, v] : entries_) {
    if (k == key) return v;
  }
  return std::nullopt;
}

std::string QueryParams::encode() const {
  std::string out;
  for (const auto& [k, v] : entries_) {
    if (!out.empty()) out += '&';
    out += http::percentEncode(k);
    out += '=';
    out += http::percentEncode(v);
  }
  return out;
}

}  // namespace gantry::cloudprovider::aws
