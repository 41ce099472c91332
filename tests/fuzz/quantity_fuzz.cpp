// libFuzzer target for Quantity: quantities arrive from every manifest and API object, so
// parse() must survive any bytes, and whatever it accepts must print and re-read consistently.
// Any broken invariant aborts, which libFuzzer reports as a crash with the input saved.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "src/api/quantity.h"

namespace {

using gantry::api::Quantity;

void require(bool ok, const char* invariant, std::string_view input) {
  if (ok) return;
  std::fprintf(stderr, "quantity invariant broken: %s\ninput: \"%.*s\"\n", invariant,
               static_cast<int>(input.size()), input.data());
  std::abort();
}

// value() and milliValue() are ceilings: the next step down is below the quantity.
void checkRounding(const Quantity& q, std::string_view input) {
  const int64_t units = q.value();
  if (units > INT64_MIN && units < INT64_MAX) {
    require(Quantity::fromValue(units) >= q, "value() is not below the quantity", input);
    require(Quantity::fromValue(units - 1) < q, "value() is the smallest such integer", input);
  }
  const int64_t milli = q.milliValue();
  // fitsInt64Milli() says exactly when milliValue() is a ceiling rather than a saturation.
  if (!q.fitsInt64Milli()) {
    require(milli == INT64_MAX || milli == INT64_MIN, "out of range means saturated", input);
  } else {
    require(Quantity::fromMilli(milli) >= q, "in range, milliValue() is exact", input);
  }
  if (milli > INT64_MIN && milli < INT64_MAX) {
    require(Quantity::fromMilli(milli) >= q, "milliValue() is not below the quantity", input);
    require(Quantity::fromMilli(milli - 1) < q, "milliValue() is the smallest such", input);
  }
}

void checkArithmetic(const Quantity& q, std::string_view input) {
  const Quantity negated = -q;
  require(-negated == q, "double negation is identity", input);
  require(negated.format() == q.format(), "negation keeps the format", input);
  require((q - q).isZero(), "q - q is zero", input);
  require(q + Quantity() == q, "adding zero is identity", input);
  require((Quantity() + q).format() == q.format(), "zero takes the other format", input);
  const gantry::api::Int128 third = Quantity::kMaxNanos / 3;
  if (q.nanoValue() <= third && q.nanoValue() >= -third) {
    require(q + q - q == q, "q + q - q == q", input);
    require(q * 3 == q + q + q, "multiplication matches addition", input);
  } else {
    const Quantity limit = Quantity::fromNano(q.sign() * Quantity::kMaxNanos);
    require(q * 3 == limit && q + q + q == limit, "large results saturate", input);
  }
  require((q <=> negated) == (q.sign() <=> 0), "ordering agrees with sign", input);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const gantry::Result<Quantity> parsed = Quantity::parse(input);
  if (!parsed) {
    require(parsed.error().isInvalid(), "parse errors are Invalid", input);
    require(parsed.error().message().starts_with("invalid quantity \""),
            "parse errors name the input", input);
    return 0;
  }
  const Quantity& q = *parsed;
  const std::string canonical = q.toString();
  require(!canonical.empty(), "canonical form is not empty", input);
  require(canonical.find_first_of("+. ") == std::string::npos, "canonical has no +, . or space",
          input);
  require((canonical == "0") == q.isZero(), "only zero prints as 0", input);
  require((canonical[0] == '-') == (q.sign() < 0), "sign is printed iff negative", input);

  const gantry::Result<Quantity> again = Quantity::parse(canonical);
  require(again.has_value(), "canonical form parses", input);
  require(*again == q, "canonical form parses to the same value", input);
  const std::string reprinted = again->toString();
  if (reprinted != canonical) {
    // Only a binary integer printed as bare digits may change: it reads back as decimal SI
    // (Kubernetes does the same). After that one step the form is stable.
    require(q.format() == Quantity::Format::kBinarySI &&
                canonical.find_first_not_of("-0123456789") == std::string::npos,
            "canonical form changes only for bare binary integers", input);
    const gantry::Result<Quantity> third = Quantity::parse(reprinted);
    require(third.has_value() && *third == q && third->toString() == reprinted,
            "second canonical form is a fixed point", input);
  }
  if (!q.isZero()) {
    require((-q).toString() == "-" + canonical || canonical == "-" + (-q).toString(),
            "negation only flips the printed sign", input);
  }

  checkRounding(q, input);
  checkArithmetic(q, input);
  return 0;
}
