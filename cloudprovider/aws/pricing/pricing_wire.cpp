// The GetProducts wire format: the request body and the parsing of replies. The Price List
// documents arrive as JSON strings inside a JSON reply, so every layer is parsed without
// exceptions and checked for type before use: a malformed or hostile reply must end as
// kInvalid, never as a crash or a silent zero price. Fuzzed by tests/fuzz/pricing_json_fuzz.cpp.
#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>

#include <nlohmann/json.hpp>

#include "cloudprovider/aws/pricing/pricing_api.h"

namespace gantry::cloudprovider::aws {
namespace {

using json = nlohmann::json;

// The attributes a product must carry to be the plain Linux on-demand rate. GetProducts is
// asked for exactly these, but the reply is checked again: a filter the server ignored must
// not slip a Windows or dedicated-host price into the catalog.
constexpr std::pair<std::string_view, std::string_view> kWanted[] = {
    {"operatingSystem", "Linux"},
    {"tenancy", "Shared"},
    {"preInstalledSw", "NA"},
    {"capacitystatus", "Used"},
};

json parseJson(std::string_view text) {
  return json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
}

const json* member(const json& object, std::string_view key) {
  if (!object.is_object()) return nullptr;
  auto it = object.find(key);
  return it == object.end() ? nullptr : &*it;
}

std::optional<std::string> stringMember(const json& object, std::string_view key) {
  const json* value = member(object, key);
  if (value == nullptr || !value->is_string()) return std::nullopt;
  return value->get<std::string>();
}

bool equalsIgnoreCase(std::string_view a, std::string_view b) {
  return std::ranges::equal(a, b, [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) ==
           std::tolower(static_cast<unsigned char>(y));
  });
}

// "0.5260000000" -> 0.526. from_chars, not stod: no locale, no exceptions, whole string only.
std::optional<double> parsePrice(std::string_view text) {
  double value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size()) return std::nullopt;
  if (!std::isfinite(value) || value < 0) return std::nullopt;
  return value;
}

// The hourly USD rate among terms.OnDemand.*.priceDimensions.*: the dimension whose unit is
// "Hrs" (a product has one on-demand offer with one dimension in practice).
Result<std::optional<double>> hourlyPrice(const json& product, const std::string& type) {
  const json* terms = member(product, "terms");
  const json* onDemand = terms != nullptr ? member(*terms, "OnDemand") : nullptr;
  if (onDemand == nullptr || !onDemand->is_object()) {
    return fail(Status::invalid("price list product " + type + " has no OnDemand terms"));
  }
  std::optional<double> best;
  for (const auto& [offerCode, offer] : onDemand->items()) {
    const json* dimensions = member(offer, "priceDimensions");
    if (dimensions == nullptr || !dimensions->is_object()) continue;
    for (const auto& [rateCode, dimension] : dimensions->items()) {
      auto unit = stringMember(dimension, "unit");
      if (unit && !equalsIgnoreCase(*unit, "Hrs")) continue;
      const json* perUnit = member(dimension, "pricePerUnit");
      auto usd = perUnit != nullptr ? stringMember(*perUnit, "USD") : std::nullopt;
      if (!usd) continue;
      auto price = parsePrice(*usd);
      if (!price) {
        return fail(Status::invalid("price list product " + type + ": bad USD price \"" +
                                    usd->substr(0, 40) + "\""));
      }
      if (!best || *price < *best) best = price;
    }
  }
  if (!best)
    return fail(Status::invalid("price list product " + type + " has no hourly USD price"));
  return best;
}

}  // namespace

std::string encodeGetProductsRequest(std::string_view region, std::string_view nextToken) {
  json filters = json::array();
  filters.push_back({{"Type", "TERM_MATCH"}, {"Field", "regionCode"}, {"Value", region}});
  for (const auto& [field, value] : kWanted) {
    filters.push_back({{"Type", "TERM_MATCH"}, {"Field", field}, {"Value", value}});
  }
  json request = {{"ServiceCode", "AmazonEC2"},
                  {"FormatVersion", "aws_v1"},
                  {"MaxResults", 100},
                  {"Filters", std::move(filters)}};
  if (!nextToken.empty()) request["NextToken"] = nextToken;
  return request.dump();
}

Result<PriceListPage> parseGetProductsResponse(std::string_view body) {
  const json root = parseJson(body);
  if (!root.is_object()) return fail(Status::invalid("GetProducts reply is not a JSON object"));
  PriceListPage page;
  if (const json* token = member(root, "NextToken"); token != nullptr && !token->is_null()) {
    if (!token->is_string()) return fail(Status::invalid("GetProducts NextToken is not a string"));
    page.nextToken = token->get<std::string>();
  }
  const json* list = member(root, "PriceList");
  if (list == nullptr || !list->is_array()) {
    return fail(Status::invalid("GetProducts reply has no PriceList array"));
  }
  page.priceList.reserve(list->size());
  for (const json& entry : *list) {
    if (!entry.is_string())
      return fail(Status::invalid("GetProducts PriceList entry is not a string"));
    page.priceList.push_back(entry.get<std::string>());
  }
  return page;
}

Result<std::optional<std::pair<std::string, double>>> parsePriceListProduct(
    std::string_view document) {
  const json product = parseJson(document);
  if (!product.is_object()) return fail(Status::invalid("price list entry is not a JSON object"));
  const json* info = member(product, "product");
  const json* attributes = info != nullptr ? member(*info, "attributes") : nullptr;
  if (attributes == nullptr || !attributes->is_object()) {
    return fail(Status::invalid("price list entry has no product.attributes"));
  }
  if (auto family = stringMember(*info, "productFamily"); family && *family != "Compute Instance") {
    return std::nullopt;
  }
  for (const auto& [field, value] : kWanted) {
    auto have = stringMember(*attributes, field);
    if (!have || !equalsIgnoreCase(*have, value)) return std::nullopt;
  }
  auto type = stringMember(*attributes, "instanceType");
  if (!type || type->empty()) {
    return fail(Status::invalid("price list product has no instanceType attribute"));
  }
  auto price = hourlyPrice(product, *type);
  if (!price) return fail(price.error());
  if (!*price || **price == 0) return std::nullopt;  // free or unpriced: not a sellable rate
  return std::make_pair(std::move(*type), **price);
}

Status pricingErrorStatus(const http::Response& response) {
  return jsonErrorStatus("Pricing", "GetProducts", response);
}

}  // namespace gantry::cloudprovider::aws
