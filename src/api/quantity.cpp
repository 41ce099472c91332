// Parsing, canonical printing and saturating arithmetic of Quantity. The rules mirror
// k8s.io/apimachinery's resource.Quantity; the representation (a 128-bit count of nano-units)
// is ours, chosen so that every operation is exact integer arithmetic.
#include "src/api/quantity.h"

#include <algorithm>
#include <array>
#include <cstddef>
#include <limits>
#include <optional>
#include <ostream>

namespace gantry::api {
namespace {

__extension__ using UInt128 = unsigned __int128;

using Format = Quantity::Format;

constexpr Int128 kMaxNanos = Quantity::kMaxNanos;
constexpr Int128 kNanosPerUnit = 1'000'000'000;
// Kubernetes caps binary-SI input at the largest int64 number of units.
constexpr UInt128 kBinaryCapNanos =
    static_cast<UInt128>(std::numeric_limits<int64_t>::max()) * kNanosPerUnit;
// Beyond 10^39 nothing fits in 128 bits, so longer shifts need no loop to know they overflow.
constexpr Int128 kMaxDecimalShift = 40;
// Long inputs are cut in error messages so that a bad manifest cannot flood the logs.
constexpr std::size_t kMaxQuotedInput = 64;

struct SuffixInfo {
  std::string_view text;
  int base;
  int exponent;
  Format format;
};

constexpr std::array<SuffixInfo, 16> kSuffixes = {{
    {"", 10, 0, Format::kDecimalSI},
    {"n", 10, -9, Format::kDecimalSI},
    {"u", 10, -6, Format::kDecimalSI},
    {"m", 10, -3, Format::kDecimalSI},
    {"k", 10, 3, Format::kDecimalSI},
    {"M", 10, 6, Format::kDecimalSI},
    {"G", 10, 9, Format::kDecimalSI},
    {"T", 10, 12, Format::kDecimalSI},
    {"P", 10, 15, Format::kDecimalSI},
    {"E", 10, 18, Format::kDecimalSI},
    {"Ki", 2, 10, Format::kBinarySI},
    {"Mi", 2, 20, Format::kBinarySI},
    {"Gi", 2, 30, Format::kBinarySI},
    {"Ti", 2, 40, Format::kBinarySI},
    {"Pi", 2, 50, Format::kBinarySI},
    {"Ei", 2, 60, Format::kBinarySI},
}};

// Binary suffixes indexed by the power of 1024 they stand for.
constexpr std::array<std::string_view, 7> kBinarySuffixByPower = {"",   "Ki", "Mi", "Gi",
                                                                  "Ti", "Pi", "Ei"};

bool isDigit(char c) {
  return c >= '0' && c <= '9';
}

// The input in double quotes, with bytes that would garble a log line escaped.
std::string quote(std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "\"";
  for (std::size_t i = 0; i < text.size() && i < kMaxQuotedInput; ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c >= 0x7f) {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    } else {
      out += static_cast<char>(c);
    }
  }
  if (text.size() > kMaxQuotedInput) out += "...";
  out += '"';
  return out;
}

Status invalidQuantity(std::string_view text, std::string_view reason) {
  return Status::invalid("invalid quantity " + quote(text) + ": " + std::string(reason));
}

// Reads "[+-]digits" into an int64; nullopt when malformed or too large.
std::optional<int64_t> parseExponent(std::string_view text) {
  bool negative = false;
  if (!text.empty() && (text[0] == '+' || text[0] == '-')) {
    negative = text[0] == '-';
    text.remove_prefix(1);
  }
  if (text.empty()) return std::nullopt;
  int64_t value = 0;
  for (char c : text) {
    if (!isDigit(c)) return std::nullopt;
    // Accumulating negatively reaches INT64_MIN as well as INT64_MAX.
    if (__builtin_mul_overflow(value, 10, &value) || __builtin_sub_overflow(value, c - '0', &value))
      return std::nullopt;
  }
  if (!negative && __builtin_mul_overflow(value, -1, &value)) return std::nullopt;
  return value;
}

// digits * factor, as a decimal digit string. The factor is at most 2^60, so the carry always
// fits; working on strings keeps inputs with hundreds of digits exact.
std::string multiplyDigits(std::string_view digits, UInt128 factor) {
  if (factor == 1) return std::string(digits);
  std::string out;
  UInt128 carry = 0;
  for (auto it = digits.rbegin(); it != digits.rend(); ++it) {
    const UInt128 v = static_cast<UInt128>(*it - '0') * factor + carry;
    out += static_cast<char>('0' + static_cast<int>(v % 10));
    carry = v / 10;
  }
  for (; carry != 0; carry /= 10) out += static_cast<char>('0' + static_cast<int>(carry % 10));
  std::reverse(out.begin(), out.end());
  return out;
}

// Appends digits to value; false when the result would exceed kMaxNanos.
bool accumulate(UInt128& value, std::string_view digits) {
  for (char c : digits) {
    const UInt128 digit = static_cast<UInt128>(c - '0');
    if (value > (static_cast<UInt128>(kMaxNanos) - digit) / 10) return false;
    value = value * 10 + digit;
  }
  return true;
}

// The magnitude digits * 10^shift rounded up to an integer, or nullopt when above kMaxNanos.
// REQUIRES: digits holds only '0'..'9'.
std::optional<UInt128> scaleUp(std::string_view digits, Int128 shift) {
  digits.remove_prefix(std::min(digits.find_first_not_of('0'), digits.size()));
  if (digits.empty()) return UInt128{0};
  UInt128 value = 0;
  if (shift >= 0) {
    if (shift > kMaxDecimalShift || !accumulate(value, digits)) return std::nullopt;
    for (Int128 i = 0; i < shift; ++i) {
      if (value > static_cast<UInt128>(kMaxNanos) / 10) return std::nullopt;
      value *= 10;
    }
    return value;
  }
  // Dropping |shift| trailing digits: what is dropped decides whether to round up.
  const Int128 dropped = -shift;
  const std::size_t kept = dropped >= static_cast<Int128>(digits.size())
                               ? 0
                               : digits.size() - static_cast<std::size_t>(dropped);
  if (!accumulate(value, digits.substr(0, kept))) return std::nullopt;
  if (digits.find_first_not_of('0', kept) != std::string_view::npos) {
    if (value == static_cast<UInt128>(kMaxNanos)) return std::nullopt;
    ++value;
  }
  return value;
}

std::string toDigits(UInt128 value) {
  std::string out;
  do {
    out += static_cast<char>('0' + static_cast<int>(value % 10));
    value /= 10;
  } while (value != 0);
  std::reverse(out.begin(), out.end());
  return out;
}

UInt128 magnitude(Int128 value) {
  return value < 0 ? static_cast<UInt128>(0) - static_cast<UInt128>(value)
                   : static_cast<UInt128>(value);
}

// Values stay within +/-kMaxNanos so that negation never overflows.
Int128 clampNanos(Int128 value) {
  return std::max(value, -kMaxNanos);
}

// ceil(nanos / divisor) clamped to int64.
int64_t ceilDivSaturated(Int128 nanos, Int128 divisor) {
  Int128 quotient = nanos / divisor;  // truncates towards zero: already the ceiling below zero
  if (nanos % divisor != 0 && nanos > 0) ++quotient;
  constexpr Int128 kLow = std::numeric_limits<int64_t>::min();
  constexpr Int128 kHigh = std::numeric_limits<int64_t>::max();
  return static_cast<int64_t>(std::clamp(quotient, kLow, kHigh));
}

Int128 saturate(bool positive) {
  return positive ? kMaxNanos : -kMaxNanos;
}

std::string_view decimalSiSuffix(int exponent) {
  switch (exponent) {
    case -9: return "n";
    case -6: return "u";
    case -3: return "m";
    case 3: return "k";
    case 6: return "M";
    case 9: return "G";
    case 12: return "T";
    case 15: return "P";
    case 18: return "E";
    default: return "";
  }
}

}  // namespace

Result<Quantity> Quantity::parse(std::string_view text) {
  if (text.empty()) return fail(invalidQuantity(text, "empty string"));
  std::size_t pos = 0;
  const bool negative = text[0] == '-';
  if (text[0] == '-' || text[0] == '+') ++pos;

  const std::size_t intStart = pos;
  while (pos < text.size() && isDigit(text[pos])) ++pos;
  const std::string_view intDigits = text.substr(intStart, pos - intStart);
  std::string_view fracDigits;
  if (pos < text.size() && text[pos] == '.') {
    const std::size_t fracStart = ++pos;
    while (pos < text.size() && isDigit(text[pos])) ++pos;
    fracDigits = text.substr(fracStart, pos - fracStart);
  }
  if (intDigits.empty() && fracDigits.empty()) {
    return fail(invalidQuantity(text, "expected a number"));
  }

  const std::string_view suffix = text.substr(pos);
  const SuffixInfo* info = nullptr;
  for (const SuffixInfo& candidate : kSuffixes) {
    if (candidate.text == suffix) info = &candidate;
  }
  // Binary: the value is digits * 2^exponent * 10^(9 - fraction digits) nano-units.
  // Decimal: digits * 10^(9 - fraction digits + exponent) nano-units.
  UInt128 factor = 1;
  Int128 shift = 9 - static_cast<Int128>(fracDigits.size());
  Format format = Format::kDecimalExponent;
  if (info != nullptr) {
    format = info->format;
    if (info->base == 2) {
      factor = static_cast<UInt128>(1) << info->exponent;
    } else {
      shift += info->exponent;
    }
  } else if (suffix.size() > 1 && (suffix[0] == 'e' || suffix[0] == 'E')) {
    const std::optional<int64_t> exponent = parseExponent(suffix.substr(1));
    if (!exponent) {
      return fail(invalidQuantity(text, "invalid exponent " + quote(suffix)));
    }
    shift += *exponent;
  } else {
    return fail(invalidQuantity(text, "unknown suffix " + quote(suffix)));
  }

  std::string digits(intDigits);
  digits += fracDigits;
  std::optional<UInt128> nanos = scaleUp(multiplyDigits(digits, factor), shift);
  if (format == Format::kBinarySI) {
    // Kubernetes caps rather than rejects large binary values; an overflow is above the cap too.
    if (!nanos || *nanos > kBinaryCapNanos) nanos = kBinaryCapNanos;
    // Below one unit there is no binary suffix to print, so it reads as decimal.
    if (*nanos != 0 && *nanos < static_cast<UInt128>(kNanosPerUnit)) format = Format::kDecimalSI;
  }
  if (!nanos) return fail(invalidQuantity(text, "out of range"));
  const auto value = static_cast<Int128>(*nanos);
  return Quantity(negative ? -value : value, format);
}

Quantity Quantity::fromMilli(int64_t milli, Format format) {
  return Quantity(static_cast<Int128>(milli) * 1'000'000, format);
}

Quantity Quantity::fromValue(int64_t value, Format format) {
  return Quantity(static_cast<Int128>(value) * kNanosPerUnit, format);
}

Quantity Quantity::fromNano(Int128 nanos, Format format) {
  return Quantity(clampNanos(nanos), format);
}

int64_t Quantity::milliValue() const {
  return ceilDivSaturated(nanos_, 1'000'000);
}

int64_t Quantity::value() const {
  return ceilDivSaturated(nanos_, kNanosPerUnit);
}

std::string Quantity::toString() const {
  if (nanos_ == 0) return "0";
  std::string out = nanos_ < 0 ? "-" : "";
  UInt128 mantissa = magnitude(nanos_);

  // Binary SI only for whole multiples of units from 1Ki up; anything else would need a
  // fraction, so it is shown in decimal SI instead.
  constexpr UInt128 kUnit = kNanosPerUnit;
  if (format_ == Format::kBinarySI && mantissa >= 1024 * kUnit && mantissa % kUnit == 0) {
    mantissa /= kUnit;
    std::size_t power = 0;
    while (power + 1 < kBinarySuffixByPower.size() && mantissa % 1024 == 0) {
      mantissa /= 1024;
      ++power;
    }
    return out + toDigits(mantissa) + std::string(kBinarySuffixByPower[power]);
  }

  // The largest exponent that is a multiple of 3 and leaves an integer mantissa. Moving the
  // exponent down never overflows: it only restores factors of ten removed just before.
  int exponent = -9;
  while (mantissa % 10 == 0) {
    mantissa /= 10;
    ++exponent;
  }
  for (int rest = ((exponent % 3) + 3) % 3; rest > 0; --rest) {
    mantissa *= 10;
    --exponent;
  }
  if (format_ == Format::kDecimalExponent) {
    out += toDigits(mantissa);
    if (exponent != 0) out += "e" + std::to_string(exponent);
    return out;
  }
  // "E" is the largest decimal suffix; larger values keep it and grow the mantissa.
  for (; exponent > 18; --exponent) mantissa *= 10;
  return out + toDigits(mantissa) + std::string(decimalSiSuffix(exponent));
}

Quantity& Quantity::operator+=(const Quantity& other) {
  if (isZero()) format_ = other.format_;
  Int128 sum = 0;
  nanos_ = __builtin_add_overflow(nanos_, other.nanos_, &sum) ? saturate(other.nanos_ > 0)
                                                              : clampNanos(sum);
  return *this;
}

Quantity& Quantity::operator-=(const Quantity& other) {
  // other.nanos_ >= -kMaxNanos, so its negation is always representable.
  return *this += Quantity(-other.nanos_, other.format_);
}

Quantity& Quantity::operator*=(int64_t factor) {
  Int128 product = 0;
  nanos_ = __builtin_mul_overflow(nanos_, static_cast<Int128>(factor), &product)
               ? saturate((nanos_ > 0) == (factor > 0))
               : clampNanos(product);
  return *this;
}

Quantity Quantity::operator-() const {
  return Quantity(-nanos_, format_);
}

std::ostream& operator<<(std::ostream& out, const Quantity& quantity) {
  return out << quantity.toString();
}

}  // namespace gantry::api
