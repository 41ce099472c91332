// Quantity must read and print exactly what the kube-apiserver does; most cases below are the
// parse -> canonical pairs of k8s.io/apimachinery's quantity tests, plus our own edge cases.
#include "src/api/quantity.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

namespace gantry::api {
namespace {

using ::testing::HasSubstr;
using Format = Quantity::Format;

constexpr int64_t kInt64Max = std::numeric_limits<int64_t>::max();
constexpr int64_t kInt64Min = std::numeric_limits<int64_t>::min();

Quantity mustParse(std::string_view text) {
  Result<Quantity> q = Quantity::parse(text);
  EXPECT_TRUE(q.has_value()) << text << ": " << (q ? "" : q.error().toString());
  return q.value_or(Quantity());
}

struct Canonical {
  std::string input;
  std::string expected;
};

// input -> toString(), grouped like the reference tests.
// clang-format off
const std::vector<Canonical> kCanonical = {
    // Zero in every spelling.
    {"0", "0"}, {"0n", "0"}, {"0m", "0"}, {"0Ki", "0"}, {"0Ti", "0"}, {"0T", "0"},
    {"00", "0"}, {"-0", "0"}, {"+0.0", "0"}, {"-0.0Ki", "0"}, {"0e999999", "0"},
    // Binary suffixes.
    {"1Ki", "1Ki"}, {"8Ki", "8Ki"}, {"7Mi", "7Mi"}, {"6Gi", "6Gi"}, {"5Ti", "5Ti"},
    {"4Pi", "4Pi"}, {"3Ei", "3Ei"}, {"7Ei", "7Ei"}, {"10Ti", "10Ti"}, {"100Ti", "100Ti"},
    {"1024Mi", "1Gi"}, {"307200Ki", "300Mi"}, {"1025024Mi", "1001Gi"}, {"1024Gi", "1Ti"},
    {"1025Ki", "1025Ki"}, {"1024Ki", "1Mi"}, {"1.0Ki", "1Ki"}, {"1.5Gi", "1536Mi"},
    {"0.5Gi", "512Mi"}, {"0.5Mi", "512Ki"}, {"1.5Ki", "1536"}, {"2Ki", "2Ki"},
    // Binary values that cannot print in binary fall back to decimal SI.
    {".001Ki", "1024m"}, {".000001Ki", "1024u"}, {".000000001Ki", "1024n"},
    {".000000000001Ki", "2n"}, {"100.035Ki", "102435840m"}, {"0.05Gi", "53687091200m"},
    {"0.025Ti", "27487790694400m"},
    // Binary input is capped at 2^63-1 units, as Kubernetes does.
    {"8Ei", "9223372036854775807"}, {"9Ei", "9223372036854775807"},
    {"16Ei", "9223372036854775807"}, {"-16Ei", "-9223372036854775807"},
    {"9223372036854775807Ki", "9223372036854775807"},
    {"99999999999999999999999999999999999999999Ei", "9223372036854775807"},
    // Decimal SI suffixes.
    {"5n", "5n"}, {"4u", "4u"}, {"3m", "3m"}, {"1", "1"}, {"9", "9"}, {"8k", "8k"},
    {"50k", "50k"}, {"7M", "7M"}, {"6G", "6G"}, {"5T", "5T"}, {"40T", "40T"}, {"300T", "300T"},
    {"2P", "2P"}, {"1E", "1E"}, {"12E", "12E"}, {"1000", "1k"}, {"1000M", "1G"},
    {"0.001T", "1G"}, {"1000u", "1m"}, {"100m", "100m"}, {"1500m", "1500m"}, {"5000m", "5"},
    {"1080000000n", "1080m"}, {"1000000000000000000", "1E"}, {"10000000000000000000", "10E"},
    {"1000000000000000000000", "1000E"}, {"-5", "-5"}, {"1536", "1536"},
    // Fractions.
    {"1.5", "1500m"}, {"0.1", "100m"}, {"0.5", "500m"}, {"1.08", "1080m"}, {"9.01", "9010m"},
    {"0.001", "1m"}, {"0.005", "5m"}, {"0.05", "50m"}, {"0.0005k", "500m"},
    {"0.00050k", "500m"}, {"0.00500", "5m"}, {"0.50000", "500m"}, {"100.035k", "100035"},
    {"10.035M", "10035k"}, {"8.1k", "8100"}, {"7.123456M", "7123456"},
    {"6.987654321G", "6987654321"}, {"5.444T", "5444G"}, {"40.1T", "40100G"},
    {"300.2T", "300200G"}, {"2.5P", "2500T"}, {"1.01E", "1010P"}, {"1.000000001", "1000000001n"},
    // Odd but valid spellings.
    {".5", "500m"}, {"5.", "5"}, {"1.", "1"}, {"1.G", "1G"}, {".001", "1m"}, {".0001k", "100m"},
    {"+1", "1"}, {"+.5", "500m"}, {"-.5", "-500m"}, {"000123", "123"}, {"+1Ki", "1Ki"},
    // Decimal exponents.
    {"1e3", "1e3"}, {"1E-3", "1e-3"}, {"1E6", "1e6"}, {"1e9", "1e9"}, {"1E12", "1e12"},
    {"1e15", "1e15"}, {"1E18", "1e18"}, {"1e14", "100e12"}, {"1e13", "10e12"},
    {"12e+6", "12e6"}, {"1e+3", "1e3"}, {"1e0", "1"}, {"1e-0", "1"}, {"0.5e0", "500e-3"},
    {"0.5e-1", "50e-3"}, {"0.5e-2", "5e-3"}, {"1.2e3", "1200"}, {"1.3E+6", "1300e3"},
    {"1.40e9", "1400e6"}, {"1.53E12", "1530e9"}, {"1.6e15", "1600e12"},
    {"1.7E18", "1700e15"}, {".001e12", "1e9"}, {"0.001e0", "1e-3"}, {"1000e-12", "1e-9"},
    {"1e29", "100e27"}, {"1e0003", "1e3"},
    // Precision finer than 1n rounds up in magnitude.
    {"1n", "1n"}, {"0.1n", "1n"}, {"0.9n", "1n"}, {"-0.1n", "-1n"}, {"1.5n", "2n"},
    {"-1.5n", "-2n"}, {"3.001n", "4n"}, {"0.0001", "100u"}, {"0.0000000001", "1n"},
    {"0.0000000005", "1n"}, {"0.00000000050", "1n"}, {"0.00000012345", "124n"},
    {"0.00000012354", "124n"}, {"0.5e-9", "1e-9"}, {"1.1E-9", "2e-9"}, {"1e-10", "1e-9"},
    {"1e-9999999999", "1e-9"}, {"-1e-9999999999", "-1e-9"},
    // Large decimal values are exact (int64 is not the limit here).
    {"999999999999999999.1", "999999999999999999100m"},
    {"-999999999999999999.1", "-999999999999999999100m"},
    {"9999999999999999999", "9999999999999999999"}, {"1.0E", "1E"}, {"10.0E", "10E"},
    {"9999999999999999999000m", "9999999999999999999"},
    {"1.0000000000000000001E", "1000000000000000000100m"},
    {"-1.000000000000000001E", "-1000000000000000001"},
    {"10000000000000000000000m", "10E"}, {"-10.0000000000000000001E", "-10000000000000000000100m"},
    {"9223372036854775807", "9223372036854775807"}, {"-9223372036854775808", "-9223372036854775808"},
    {"9223372036854775808.1", "9223372036854775808100m"},
    {"-9223372036854775809000m", "-9223372036854775809"},
    {"170141183460469231731687303715884105727n", "170141183460469231731687303715884105727n"},
};
// clang-format on

TEST(QuantityTest, ParsesToCanonicalString) {
  for (const Canonical& c : kCanonical) {
    SCOPED_TRACE(c.input);
    EXPECT_EQ(mustParse(c.input).toString(), c.expected);
  }
}

TEST(QuantityTest, CanonicalStringReadsBackAsTheSameValue) {
  for (const Canonical& c : kCanonical) {
    SCOPED_TRACE(c.input);
    const Quantity q = mustParse(c.input);
    const Quantity again = mustParse(q.toString());
    EXPECT_EQ(again, q);
    EXPECT_EQ(again.toString(), q.toString());
  }
}

// Found by the fuzzer; Kubernetes prints the same strings (it is not a fixed point there either).
TEST(QuantityTest, BinaryIntegerWithoutBinarySuffixReadsBackAsDecimal) {
  const Quantity q = mustParse("312.5Ki");
  EXPECT_EQ(q.toString(), "320000");
  const Quantity again = mustParse(q.toString());
  EXPECT_EQ(again, q);
  EXPECT_EQ(again.format(), Format::kDecimalSI);
  EXPECT_EQ(again.toString(), "320k");
  EXPECT_EQ(mustParse(again.toString()).toString(), "320k");
  EXPECT_EQ(Quantity::fromValue(2000, Format::kBinarySI).toString(), "2000");
}

TEST(QuantityTest, NegatedInputPrintsNegatedCanonical) {
  for (const Canonical& c : kCanonical) {
    if (c.input[0] == '-' || c.input[0] == '+' || c.expected == "0") continue;
    SCOPED_TRACE(c.input);
    const std::string expected =
        c.expected.starts_with('-') ? c.expected.substr(1) : "-" + c.expected;
    EXPECT_EQ(mustParse("-" + c.input).toString(), expected);
    EXPECT_EQ(mustParse("+" + c.input), mustParse(c.input));
  }
}

TEST(QuantityTest, RejectsMalformedInputNamingIt) {
  // clang-format off
  const std::vector<std::string> invalid = {
      "",       "-",       "+",      ".",      "-.",    "Ki",     "m",     "e3",    "1.1.M",
      "1.2.3",  "1+1.0M",  "0.1mi",  "0.1am",  "aoeu",  ".5i",    "1i",    "-3.01i", "-3.01e-",
      " 1",     "1 ",      "1 Ki",   "1KI",    "1K",    "1ki",    "12Qi",  "1e",     "1e+",
      "1ee3",   "1e3Ki",   "1E3.5",  "1e5m",   "--1",   "+-1",    "1;",    "0x10",  "1,5",
      "1Ki1",   "1e99999999999999999999",   "1_000"};
  // clang-format on
  for (const std::string& text : invalid) {
    SCOPED_TRACE(text);
    const Result<Quantity> q = Quantity::parse(text);
    ASSERT_FALSE(q.has_value());
    EXPECT_TRUE(q.error().isInvalid());
    EXPECT_THAT(q.error().message(), HasSubstr("invalid quantity \"" + text + "\""));
  }
}

TEST(QuantityTest, ErrorMessagesSayWhatIsWrong) {
  EXPECT_EQ(Quantity::parse("12Qi").error().message(),
            "invalid quantity \"12Qi\": unknown suffix \"Qi\"");
  EXPECT_EQ(Quantity::parse("").error().message(), "invalid quantity \"\": empty string");
  EXPECT_EQ(Quantity::parse("Ki").error().message(), "invalid quantity \"Ki\": expected a number");
  EXPECT_EQ(Quantity::parse("1e+").error().message(),
            "invalid quantity \"1e+\": invalid exponent \"e+\"");
  EXPECT_EQ(Quantity::parse("1e40").error().message(), "invalid quantity \"1e40\": out of range");
  // Control bytes are escaped and long inputs cut, so a bad manifest cannot garble the logs.
  EXPECT_THAT(Quantity::parse(std::string("1\n\"", 3)).error().message(),
              HasSubstr("\"1\\x0a\\\"\""));
  EXPECT_THAT(Quantity::parse(std::string(200, 'x')).error().message(),
              HasSubstr(std::string(64, 'x') + "...\""));
}

TEST(QuantityTest, RejectsDecimalValuesBeyond128BitsOfNanos) {
  for (const char* text : {"1e30", "-1e30", "1e38", "999999999999999999999E",
                           "170141183460469231731687303715884105728n",
                           "0.000000000000000000000000000001e60", "1e9223372036854775807"}) {
    SCOPED_TRACE(text);
    const Result<Quantity> q = Quantity::parse(text);
    ASSERT_FALSE(q.has_value());
    EXPECT_THAT(q.error().message(), HasSubstr("out of range"));
  }
  EXPECT_TRUE(Quantity::parse("-170141183460469231731687303715884105727n").has_value());
}

TEST(QuantityTest, RemembersFormatOfSuffix) {
  EXPECT_EQ(mustParse("1Ki").format(), Format::kBinarySI);
  EXPECT_EQ(mustParse("0Ki").format(), Format::kBinarySI);
  EXPECT_EQ(mustParse("1k").format(), Format::kDecimalSI);
  EXPECT_EQ(mustParse("1").format(), Format::kDecimalSI);
  EXPECT_EQ(mustParse("1e3").format(), Format::kDecimalExponent);
  EXPECT_EQ(mustParse("0.5e-9").format(), Format::kDecimalExponent);
  // Below one unit a binary quantity has no binary spelling, so it turns decimal.
  EXPECT_EQ(mustParse("0.5Ki").format(), Format::kBinarySI);
  EXPECT_EQ(mustParse(".000001Ki").format(), Format::kDecimalSI);
  EXPECT_EQ(Quantity().format(), Format::kDecimalSI);
}

TEST(QuantityTest, ComparesByValueOnly) {
  EXPECT_EQ(mustParse("1Ki"), mustParse("1024"));
  EXPECT_EQ(mustParse("1000m"), mustParse("1"));
  EXPECT_EQ(mustParse("1e3"), mustParse("1k"));
  EXPECT_EQ(mustParse("0"), mustParse("-0Ki"));
  EXPECT_GT(mustParse("10000T"), mustParse("100Gi"));
  EXPECT_LT(mustParse("50m"), mustParse("100m"));
  EXPECT_LT(mustParse("-1n"), Quantity());
  EXPECT_EQ(mustParse("1Gi") <=> mustParse("1073741824"), std::strong_ordering::equal);
  EXPECT_EQ(mustParse("1n") <=> mustParse("0.9n"), std::strong_ordering::equal);
  EXPECT_EQ(mustParse("1") <=> mustParse("1001m"), std::strong_ordering::less);
}

TEST(QuantityTest, SignAndZero) {
  EXPECT_TRUE(Quantity().isZero());
  EXPECT_EQ(Quantity().sign(), 0);
  EXPECT_EQ(mustParse("-1n").sign(), -1);
  EXPECT_EQ(mustParse("1n").sign(), 1);
  EXPECT_FALSE(mustParse("0.1n").isZero());
  EXPECT_EQ(Quantity().toString(), "0");
}

TEST(QuantityTest, MilliValueAndValueRoundUp) {
  EXPECT_EQ(mustParse("1.5").milliValue(), 1500);
  EXPECT_EQ(mustParse("1.5").value(), 2);
  EXPECT_EQ(mustParse("100m").value(), 1);
  EXPECT_EQ(mustParse("1n").milliValue(), 1);
  EXPECT_EQ(mustParse("1n").value(), 1);
  EXPECT_EQ(mustParse("1Gi").value(), 1073741824);
  EXPECT_EQ(mustParse("2k").milliValue(), 2000000);
  // Towards +infinity: -1.5 rounds up to -1.
  EXPECT_EQ(mustParse("-1.5").value(), -1);
  EXPECT_EQ(mustParse("-1.5").milliValue(), -1500);
  EXPECT_EQ(mustParse("-1n").milliValue(), 0);
  EXPECT_EQ(mustParse("-1.0001m").milliValue(), -1);
  EXPECT_EQ(mustParse("0").milliValue(), 0);
}

TEST(QuantityTest, MilliValueAndValueSaturate) {
  EXPECT_EQ(mustParse("1e29").value(), kInt64Max);
  EXPECT_EQ(mustParse("1e29").milliValue(), kInt64Max);
  EXPECT_EQ(mustParse("-1e29").value(), kInt64Min);
  EXPECT_EQ(mustParse("-1e29").milliValue(), kInt64Min);
  EXPECT_EQ(mustParse("9223372036854775807").value(), kInt64Max);
  EXPECT_EQ(mustParse("9223372036854775808").value(), kInt64Max);
  EXPECT_EQ(mustParse("-9223372036854775808").value(), kInt64Min);
  EXPECT_EQ(mustParse("9223372036854775807m").milliValue(), kInt64Max);
  EXPECT_EQ(mustParse("9223372036854775.807").milliValue(), kInt64Max);
  EXPECT_EQ(mustParse("9223372036854775.808").milliValue(), kInt64Max);
  EXPECT_EQ(Quantity::fromValue(kInt64Max).milliValue(), kInt64Max);
  EXPECT_EQ(Quantity::fromValue(kInt64Min).value(), kInt64Min);
}

TEST(QuantityTest, FromMilliAndFromValuePrintLikeKubernetes) {
  EXPECT_EQ(Quantity::fromMilli(1).toString(), "1m");
  EXPECT_EQ(Quantity::fromMilli(1000).toString(), "1");
  EXPECT_EQ(Quantity::fromMilli(1234000).toString(), "1234");
  EXPECT_EQ(Quantity::fromMilli(1024, Format::kBinarySI).toString(), "1024m");
  EXPECT_EQ(Quantity::fromMilli(1024 * 1024, Format::kBinarySI).toString(), "1048576m");
  EXPECT_EQ(Quantity::fromMilli(1000000, Format::kDecimalExponent).toString(), "1e3");
  EXPECT_EQ(Quantity::fromValue(1).toString(), "1");
  EXPECT_EQ(Quantity::fromValue(1000).toString(), "1k");
  EXPECT_EQ(Quantity::fromValue(1234000).toString(), "1234k");
  EXPECT_EQ(Quantity::fromValue(1024, Format::kBinarySI).toString(), "1Ki");
  EXPECT_EQ(Quantity::fromValue(1024 * 1024, Format::kBinarySI).toString(), "1Mi");
  EXPECT_EQ(Quantity::fromValue(1000000, Format::kDecimalExponent).toString(), "1e6");
  EXPECT_EQ(Quantity::fromValue(-1025, Format::kBinarySI).toString(), "-1025");
  EXPECT_EQ(Quantity::fromValue(kInt64Min).toString(), "-9223372036854775808");
  EXPECT_EQ(Quantity::fromValue(kInt64Max, Format::kBinarySI).value(), kInt64Max);
  EXPECT_EQ(Quantity::fromNano(1).toString(), "1n");
  EXPECT_EQ(Quantity::fromNano(1500, Format::kDecimalExponent).toString(), "1500e-9");
}

TEST(QuantityTest, BinaryPrintingStopsAtExbi) {
  Quantity q = Quantity::fromValue(int64_t{1} << 60, Format::kBinarySI);  // 1Ei
  q *= 1024 * 1024;
  EXPECT_EQ(q.toString(), "1048576Ei");
  EXPECT_EQ(mustParse(q.toString()).toString(), "9223372036854775807");  // input is capped
}

TEST(QuantityTest, AdditionKeepsLeftFormat) {
  EXPECT_EQ((mustParse("1Gi") + mustParse("512Mi")).toString(), "1536Mi");
  EXPECT_EQ((mustParse("1Ki") + mustParse("1k")).toString(), "2024");
  EXPECT_EQ((mustParse("1k") + mustParse("1Ki")).toString(), "2024");
  EXPECT_EQ((mustParse("1Ki") + mustParse("1Ki")).toString(), "2Ki");
  EXPECT_EQ((mustParse("1k") + mustParse("24")).toString(), "1024");
  EXPECT_EQ((mustParse("100m") + mustParse("900m")).toString(), "1");
  EXPECT_EQ((mustParse("1e3") + mustParse("1k")).toString(), "2e3");
  EXPECT_EQ((mustParse("10") - mustParse("1Ki")).format(), Format::kDecimalSI);
  EXPECT_EQ((mustParse("10Ki") - mustParse("1k")).format(), Format::kBinarySI);
  EXPECT_EQ((mustParse("1Gi") - mustParse("1Gi")).toString(), "0");
}

TEST(QuantityTest, ZeroLeftOperandTakesRightFormat) {
  for (const char* text : {"100m", "1Gi", "3e6"}) {
    const Quantity value = mustParse(text);
    EXPECT_EQ((value + Quantity()).toString(), text);
    EXPECT_EQ((Quantity() + value).toString(), text);
    EXPECT_EQ((value - Quantity()).toString(), text);
    EXPECT_EQ((Quantity() - value).toString(), (-value).toString());
  }
  EXPECT_EQ((Quantity() - mustParse("1Gi")).toString(), "-1Gi");
}

TEST(QuantityTest, NegationKeepsFormat) {
  EXPECT_EQ((-mustParse("9.01")).toString(), "-9010m");
  EXPECT_EQ((-mustParse("1Gi")).toString(), "-1Gi");
  EXPECT_EQ((-mustParse("-1Gi")).toString(), "1Gi");
  EXPECT_EQ((-Quantity()).toString(), "0");
}

TEST(QuantityTest, AddThenSubtractCancelsAcrossScales) {
  Quantity sum;
  std::vector<Quantity> parts;
  for (int64_t i = 1; i <= 200; ++i) {
    parts.push_back(Quantity::fromNano(static_cast<Int128>(i * 7919) * (i % 2 ? 1 : 1000000)));
    parts.push_back(Quantity::fromValue(kInt64Max - i));
    for (std::size_t j = parts.size() - 2; j < parts.size(); ++j) sum += parts[j];
  }
  for (const Quantity& q : parts) sum -= q;
  EXPECT_TRUE(sum.isZero()) << sum;
}

TEST(QuantityTest, ArithmeticSaturatesInsteadOfOverflowing) {
  const Quantity max = Quantity::fromNano(Quantity::kMaxNanos);
  EXPECT_EQ(max + Quantity::fromNano(1), max);
  EXPECT_EQ(max + max, max);
  EXPECT_EQ(-max - max, -max);
  EXPECT_EQ(-max - Quantity::fromNano(1), -max);
  EXPECT_EQ((-max - Quantity::fromNano(1)).nanoValue(), -max.nanoValue());
  EXPECT_EQ(max * 2, max);
  EXPECT_EQ(max * -2, -max);
  EXPECT_EQ(-max * kInt64Min, max);
  EXPECT_EQ(Quantity::fromNano(-max.nanoValue() - 1), -max);  // clamped, so negation is safe
  EXPECT_EQ(max - max, Quantity());
}

TEST(QuantityTest, MultipliesByCount) {
  EXPECT_EQ((mustParse("1500m") * 3).toString(), "4500m");
  EXPECT_EQ((mustParse("512Mi") * 4).toString(), "2Gi");
  EXPECT_EQ((mustParse("1k") * -2).toString(), "-2k");
  EXPECT_EQ((mustParse("1Gi") * 0).toString(), "0");
}

TEST(QuantityTest, StreamsCanonicalForm) {
  std::ostringstream out;
  out << mustParse("1.5Gi");
  EXPECT_EQ(out.str(), "1536Mi");
}

}  // namespace
}  // namespace gantry::api
