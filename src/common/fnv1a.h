// 64-bit FNV-1a over a sequence of fields: stable across runs, platforms and builds (unlike
// std::hash), so a value may be stored (the NodePool template hash in an annotation) or
// compared between passes (consolidation's fingerprint).
#pragma once

#include <bit>
#include <cstdint>
#include <string_view>

namespace gantry {

class Fnv1a {
 public:
  // Each field is written as its length and its bytes, so ("ab","c") and ("a","bc") differ.
  void field(std::string_view s) {
    number(s.size());
    for (char c : s) byte(static_cast<unsigned char>(c));
  }
  // Eight bytes, least significant first.
  void number(uint64_t n) {
    for (int i = 0; i < 8; ++i) byte(static_cast<unsigned char>(n >> (8 * i)));
  }
  void flag(bool b) { byte(b ? 1 : 0); }
  void real(double d) { number(std::bit_cast<uint64_t>(d)); }
  uint64_t value() const { return h_; }

 private:
  void byte(unsigned char b) {
    h_ ^= b;
    h_ *= 0x100000001b3ULL;
  }
  uint64_t h_ = 0xcbf29ce484222325ULL;
};

}  // namespace gantry
