// SeededRandom: the engine is the standard's mt19937_64 (its 10000th output is fixed by the
// standard), and the distributions on top are ours, so their values are pinned here.
#include "src/common/seeded_random.h"

#include <gtest/gtest.h>

#include <set>

namespace gantry {
namespace {

TEST(SeededRandomTest, EngineIsTheStandardMersenneTwister) {
  SeededRandom r(5489);  // the standard's default seed
  uint64_t x = 0;
  for (int i = 0; i < 10000; ++i) x = r.next();
  EXPECT_EQ(x, 9981545732273789042ULL);  // [rand.predef]
}

TEST(SeededRandomTest, UniformStaysInRangeAndExponentialHasItsMean) {
  SeededRandom r(3);
  double sum = 0;
  for (int i = 0; i < 100000; ++i) {
    const double u = r.uniform01();
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
    sum += r.exponential(4.0);
  }
  EXPECT_NEAR(sum / 100000, 0.25, 0.005);
}

TEST(SeededRandomTest, NormalHasItsMeanAndSpread) {
  SeededRandom r(11);
  double sum = 0, squares = 0;
  constexpr int n = 100000;
  for (int i = 0; i < n; ++i) {
    const double x = r.normal(10.0, 2.0);
    sum += x;
    squares += x * x;
  }
  const double mean = sum / n;
  EXPECT_NEAR(mean, 10.0, 0.03);
  EXPECT_NEAR(std::sqrt(squares / n - mean * mean), 2.0, 0.03);
}

TEST(SeededRandomTest, DerivedSeedsDifferPerIndexAndAreStable) {
  std::set<uint64_t> seen;
  for (uint64_t i = 0; i < 1000; ++i) seen.insert(SeededRandom::derive(1, i));
  EXPECT_EQ(seen.size(), 1000u);
  EXPECT_EQ(SeededRandom::derive(1, 0), SeededRandom::derive(1, 0));
  EXPECT_NE(SeededRandom::derive(1, 0), SeededRandom::derive(2, 0));
}

}  // namespace
}  // namespace gantry
