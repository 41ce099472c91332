// Kubernetes resource quantities ("500m", "1.5Gi", "12e6") held as exact integers, so the
// solver and the controllers add, compare and print CPU, memory and GPU amounts exactly the
// way the kube-apiserver does, with no floating point anywhere.
#pragma once

#include <compare>
#include <cstdint>
#include <iosfwd>
#include <string>
#include <string_view>

#include "src/common/status.h"

namespace gantry::api {

// Signed 128-bit integer (a GCC/Clang extension; __extension__ keeps -Wpedantic quiet).
__extension__ using Int128 = __int128;

// An exact resource quantity, compatible with k8s.io/apimachinery's resource.Quantity.
//
// The value is a signed count of nano-units (1 == 1e-9 of the unit) in 128 bits, so every
// quantity the kube-apiserver accepts (magnitude below 2^63 units, at most 9 decimals) is held
// exactly, and sums of millions of them cannot overflow. The format (how the value was written)
// only steers printing; equality and ordering look at the value alone.
//
// Grammar accepted by parse():
//   <quantity>        ::= <sign>? <number> <suffix>
//   <number>          ::= <digits> | <digits> "." <digits>? | "." <digits>
//   <suffix>          ::= "" | <binarySI> | <decimalSI> | <decimalExponent>
//   <binarySI>        ::= Ki | Mi | Gi | Ti | Pi | Ei                (powers of 1024)
//   <decimalSI>       ::= n | u | m | k | M | G | T | P | E         (powers of 1000)
//   <decimalExponent> ::= ("e" | "E") <sign>? <digits>               (powers of 10)
// Nothing else is allowed: no whitespace, no other characters, no empty input.
//
// Parsing follows Kubernetes' ParseQuantity:
//   - precision finer than 1n is rounded up in magnitude, i.e. away from zero, to the next
//     nano ("0.1n" -> 1n, "-0.1n" -> -1n), so that asking for a little gets a little;
//   - a binary-SI value whose magnitude exceeds 2^63-1 units is capped at 2^63-1 ("9Ei");
//   - a binary-SI value strictly between -1 and 1 (other than 0) switches to decimal SI.
// Deliberate differences from Kubernetes, all on inputs no real manifest contains:
//   - a number must contain a digit: Kubernetes reads "", "-", ".", "Ki", "m" as zero (except
//     the empty string); we reject them as malformed;
//   - decimal values beyond what 128 bits of nano-units hold (|v| >= ~1.7e29 units) are
//     rejected as out of range; Kubernetes keeps them in arbitrary precision;
//   - exponents that do not fit in 32 bits are not wrapped around as Kubernetes does.
//
// Printing (toString) produces Kubernetes' canonical form (Quantity.CanonicalizeBytes):
//   - zero is "0" in every format;
//   - binary SI prints as <integer><largest binary suffix dividing it> when the value is an
//     integer with magnitude >= 1024 ("1536Mi", "1025"), else falls back to decimal SI;
//   - decimal SI and decimal exponent print <integer mantissa><exponent>, the exponent being the
//     largest multiple of 3 that keeps the mantissa an integer ("1500m", "1k", "12e6", "1e-3").
// Two corner cases differ where Kubernetes prints a wrong value: decimal SI above 999E keeps
// the "E" suffix ("1000E"; Kubernetes drops the suffix), and binary SI stops at "Ei" ("1024Ei").
// Kubernetes' String() also echoes some inputs verbatim ("+1", "1.", "1.001"); we always print
// the canonical form. parse(q.toString()) == q always holds. The printed form is a fixed point of
// parse-then-print except where Kubernetes' is not either: a binary-SI integer that no binary
// suffix divides prints as bare digits, which read back as decimal SI ("312.5Ki" prints "320000",
// which prints "320k"); one more round trip is then stable.
//
// Thread-safety: a value type; const methods may be called concurrently.
class Quantity {
 public:
  enum class Format { kDecimalSI, kBinarySI, kDecimalExponent };

  // The largest magnitude held, 2^127-1 nano-units (about 1.7e29 units).
  static constexpr Int128 kMaxNanos = (((Int128{1} << 126) - 1) << 1) + 1;

  // Zero, formatted as decimal SI.
  Quantity() = default;

  // Parses a quantity written in the grammar above.
  // Returns Status::invalid naming the input in quotes when it is malformed
  // (`invalid quantity "12Qi": unknown suffix "Qi"`) or out of range.
  static Result<Quantity> parse(std::string_view text);

  // milli / 1000 units, e.g. fromMilli(1500) == 1.5 ("1500m").
  static Quantity fromMilli(int64_t milli, Format format = Format::kDecimalSI);
  // Whole units (bytes, cores, a count of GPUs): fromValue(1024, kBinarySI) prints "1Ki".
  static Quantity fromValue(int64_t value, Format format = Format::kDecimalSI);
  // nanos / 1e9 units; the exact internal representation. -2^127 is clamped to -kMaxNanos.
  static Quantity fromNano(Int128 nanos, Format format = Format::kDecimalSI);

  // The value in thousandths, rounded up (towards +infinity) to the next milli, saturating at
  // the int64 limits.
  int64_t milliValue() const;
  // The value in whole units, rounded up (towards +infinity), saturating at the int64 limits.
  int64_t value() const;
  // The exact value in nano-units.
  Int128 nanoValue() const { return nanos_; }
  // True when milliValue() is exact rather than saturated: |value| <= (2^63-1)/1000 units,
  // about 9.2e15. Kubernetes' scheduler and kubelet count every resource in int64 milli-units
  // (cpu) or units (memory); a pod asking for more than this cannot be placed as written, and
  // printing it in milli-units would show the saturated number instead of what was asked.
  bool fitsInt64Milli() const {
    constexpr Int128 kNanosPerMilli = 1'000'000;
    return nanos_ <= Int128{INT64_MAX} * kNanosPerMilli && nanos_ >= Int128{INT64_MIN} * kNanosPerMilli;
  }

  bool isZero() const { return nanos_ == 0; }
  // -1, 0 or 1.
  int sign() const { return nanos_ < 0 ? -1 : (nanos_ > 0 ? 1 : 0); }
  Format format() const { return format_; }

  // The canonical form described above, e.g. "1500m", "512Mi", "1e3", "0".
  std::string toString() const;

  // Arithmetic keeps the left operand's format, except that a zero left operand takes the
  // right operand's format (as Kubernetes' Add and Sub do). Results saturate at +/-kMaxNanos
  // instead of overflowing (Kubernetes switches to arbitrary precision there).
  Quantity& operator+=(const Quantity& other);
  Quantity& operator-=(const Quantity& other);
  // Multiplies by a count (pods, replicas); saturates like addition. Keeps the format.
  Quantity& operator*=(int64_t factor);
  friend Quantity operator+(Quantity lhs, const Quantity& rhs) { return lhs += rhs; }
  friend Quantity operator-(Quantity lhs, const Quantity& rhs) { return lhs -= rhs; }
  friend Quantity operator*(Quantity lhs, int64_t factor) { return lhs *= factor; }
  // Keeps the format.
  Quantity operator-() const;

  // By value only: "1Ki" == "1024" and "1000m" == "1".
  friend std::strong_ordering operator<=>(const Quantity& a, const Quantity& b) {
    return a.nanos_ <=> b.nanos_;
  }
  friend bool operator==(const Quantity& a, const Quantity& b) { return a.nanos_ == b.nanos_; }

 private:
  Quantity(Int128 nanos, Format format) : nanos_(nanos), format_(format) {}

  Int128 nanos_ = 0;
  Format format_ = Format::kDecimalSI;
};

// Writes toString(); lets gtest and log lines show quantities readably.
std::ostream& operator<<(std::ostream& out, const Quantity& quantity);

}  // namespace gantry::api
