// UTF-8 checking and terminal escaping of untrusted text.
#include "src/common/utf8.h"

#include <gtest/gtest.h>

#include <string>

namespace gantry {
namespace {

TEST(Utf8, WellFormedTextIsValid) {
  EXPECT_TRUE(isValidUtf8(""));
  EXPECT_TRUE(isValidUtf8("plain ascii"));
  EXPECT_TRUE(isValidUtf8("caf\xc3\xa9"));                  // U+00E9
  EXPECT_TRUE(isValidUtf8("\xe6\x97\xa5\xe6\x9c\xac"));     // CJK
  EXPECT_TRUE(isValidUtf8("\xf0\x9f\x9a\x80"));             // U+1F680, 4 bytes
  EXPECT_TRUE(isValidUtf8("\xf4\x8f\xbf\xbf"));             // U+10FFFF, the last code point
  EXPECT_TRUE(isValidUtf8(std::string("nul\0inside", 10)));  // NUL is UTF-8, just not printable
}

TEST(Utf8, MalformedSequencesAreInvalid) {
  EXPECT_FALSE(isValidUtf8("\xff"));
  EXPECT_FALSE(isValidUtf8("\x80"));              // a continuation byte alone
  EXPECT_FALSE(isValidUtf8("caf\xc3"));           // truncated at the end
  EXPECT_FALSE(isValidUtf8("\xc3("));             // a lead byte without its continuation
  EXPECT_FALSE(isValidUtf8("\xc0\xaf"));          // overlong "/"
  EXPECT_FALSE(isValidUtf8("\xe0\x80\xaf"));      // overlong, 3 bytes
  EXPECT_FALSE(isValidUtf8("\xed\xa0\x80"));      // U+D800, a surrogate
  EXPECT_FALSE(isValidUtf8("\xf4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_FALSE(isValidUtf8("\xf5\x80\x80\x80"));
}

TEST(Utf8, EscapingKeepsPrintableTextAndShowsControlsAndBadBytes) {
  EXPECT_EQ(escapeForTerminal("web-0 caf\xc3\xa9 \xe6\x97\xa5"), "web-0 caf\xc3\xa9 \xe6\x97\xa5");
  EXPECT_EQ(escapeForTerminal("p\x1b[31mred"), "p\\e[31mred");
  EXPECT_EQ(escapeForTerminal("a\nb\tc\rd"), "a\\nb\\tc\\rd");
  EXPECT_EQ(escapeForTerminal(std::string("\0\x07\x7f", 3)), "\\x00\\x07\\x7f");
  EXPECT_EQ(escapeForTerminal("p\xff"), "p\\xff");
  EXPECT_EQ(escapeForTerminal("\xc3"), "\\xc3");
  EXPECT_EQ(escapeForTerminal("\xc2\x9b" "2J"), "\\xc2\\x9b2J");  // C1 CSI
  // A backslash is doubled, so "\\e" in a name cannot pass for an escaped ESC.
  EXPECT_EQ(escapeForTerminal("a\\e"), "a\\\\e");
}

TEST(Utf8, EscapedTextIsAlwaysValidAndFreeOfControls) {
  std::string all;
  for (int b = 0; b < 256; ++b) all += static_cast<char>(b);
  const std::string escaped = escapeForTerminal(all);
  EXPECT_TRUE(isValidUtf8(escaped));
  for (char c : escaped) {
    const auto b = static_cast<unsigned char>(c);
    EXPECT_FALSE(b < 0x20 || b == 0x7f) << static_cast<int>(b);
  }
}

}  // namespace
}  // namespace gantry
