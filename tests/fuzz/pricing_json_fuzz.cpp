// libFuzzer target for the Pricing GetProducts wire format: replies come from the network (or
// whatever answers at a user-set endpoint), so the reply parser, the per-product parser and
// the error classifier must survive any bytes, fail only with kInvalid, and never accept a
// price that is not a finite positive number. A broken invariant aborts (libFuzzer: crash).
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "cloudprovider/aws/pricing/pricing_api.h"

namespace {

namespace aws = gantry::cloudprovider::aws;

void require(bool ok, const char* invariant) {
  if (ok) return;
  std::fprintf(stderr, "pricing invariant broken: %s\n", invariant);
  std::abort();
}

void checkProduct(std::string_view document) {
  auto product = aws::parsePriceListProduct(document);
  if (!product) {
    require(product.error().isInvalid(), "a bad product is not kInvalid");
    return;
  }
  if (!*product) return;
  require(!(*product)->first.empty(), "an accepted product has no instance type");
  const double price = (*product)->second;
  require(std::isfinite(price) && price > 0, "an accepted price is not finite and positive");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  auto page = aws::parseGetProductsResponse(input);
  if (page) {
    for (const std::string& document : page->priceList) checkProduct(document);
  } else {
    require(page.error().isInvalid(), "a bad reply is not kInvalid");
  }
  checkProduct(input);
  gantry::http::Response response{.status = size > 0 ? 400 + data[0] % 200 : 500,
                                  .headers = {{"x-amzn-ErrorType", std::string(input.substr(0, 64))}},
                                  .body = std::string(input)};
  require(!aws::pricingErrorStatus(response).isOk(), "an error reply classified as OK");
  return 0;
}
