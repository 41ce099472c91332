// Random numbers that are the same on every machine for the same seed, for `gantry simulate`
// (spot interruptions, run-for distributions). std::mt19937_64's output is fixed by the
// standard, but std::uniform_real_distribution, std::exponential_distribution and
// std::normal_distribution are not: libstdc++ and libc++ turn the same bits into different
// numbers. So the generator is the standard one and the distributions are written out here,
// each from a fixed number of draws. What is left to the platform is the last bit of log,
// log1p and cos, which one libm (glibc, whichever standard library sits on it) gives alike.
#pragma once

#include <cmath>
#include <cstdint>
#include <numbers>
#include <random>

namespace gantry {

class SeededRandom {
 public:
  explicit SeededRandom(uint64_t seed) : engine_(seed) {}

  // The next raw 64 bits.
  uint64_t next() { return engine_(); }

  // Uniform in [0, 1): the top 53 bits of one draw, so every double is exact.
  double uniform01() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }

  // Uniform in [low, high). REQUIRES: low <= high.
  double uniform(double low, double high) { return low + (high - low) * uniform01(); }

  // Exponential with `ratePerUnit` events per unit (mean 1/rate), by inversion: one draw.
  // REQUIRES: ratePerUnit > 0.
  double exponential(double ratePerUnit) { return -std::log1p(-uniform01()) / ratePerUnit; }

  // Normal by Box-Muller, always two draws and no cached second value, so a sequence of calls
  // does not depend on how many came before in a way another library would do differently.
  double normal(double mean, double stddev) {
    const double u1 = 1.0 - uniform01();  // (0, 1]: log stays finite
    const double u2 = uniform01();
    return mean + stddev * std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
  }

  // A seed for an independent stream `index` derived from `seed` (SplitMix64's finaliser), so
  // that e.g. each instance's draws do not depend on how many other instances drew before.
  static uint64_t derive(uint64_t seed, uint64_t index) {
    uint64_t z = seed + 0x9e3779b97f4a7c15ULL * (index + 1);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }

 private:
  std::mt19937_64 engine_;
};

}  // namespace gantry
