// UTF-8 checking per RFC 3629 (table 3-7 of the Unicode standard: the well-formed byte
// sequences), shared by the validity test and the escaper so both agree on every byte.
#include "src/common/utf8.h"

#include <cstdint>
#include <cstdio>

namespace gantry {

namespace {

// Length of the well-formed UTF-8 sequence starting at text[i], or 0 when there is none.
size_t sequenceLength(std::string_view text, size_t i) {
  const auto byte = [&](size_t k) { return static_cast<uint8_t>(text[k]); };
  const uint8_t b0 = byte(i);
  if (b0 < 0x80) return 1;
  size_t length = 0;
  uint8_t lo = 0x80;  // the allowed range of the second byte; it excludes overlong forms,
  uint8_t hi = 0xBF;  // surrogates and code points above U+10FFFF
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    length = 2;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    length = 3;
    if (b0 == 0xE0) lo = 0xA0;
    if (b0 == 0xED) hi = 0x9F;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    length = 4;
    if (b0 == 0xF0) lo = 0x90;
    if (b0 == 0xF4) hi = 0x8F;
  } else {
    return 0;  // a continuation byte, C0/C1 (overlong 2-byte) or F5..FF
  }
  if (i + length > text.size()) return 0;
  if (byte(i + 1) < lo || byte(i + 1) > hi) return 0;
  for (size_t k = 2; k < length; ++k) {
    if (byte(i + k) < 0x80 || byte(i + k) > 0xBF) return 0;
  }
  return length;
}

void appendHexEscape(std::string& out, uint8_t b) {
  char buf[5];
  std::snprintf(buf, sizeof buf, "\\x%02x", b);
  out += buf;
}

}  // namespace

bool isValidUtf8(std::string_view text) {
  for (size_t i = 0; i < text.size();) {
    const size_t n = sequenceLength(text, i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

std::string escapeForTerminal(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    const size_t n = sequenceLength(text, i);
    const auto b = static_cast<uint8_t>(text[i]);
    if (n == 0) {
      appendHexEscape(out, b);
      ++i;
      continue;
    }
    if (n == 1) {
      switch (b) {
        case '\n': out += "\\n"; break;
        case '\t': out += "\\t"; break;
        case '\r': out += "\\r"; break;
        case 0x1b: out += "\\e"; break;
        case '\\': out += "\\\\"; break;
        default:
          if (b < 0x20 || b == 0x7f) {
            appendHexEscape(out, b);
          } else {
            out += static_cast<char>(b);
          }
      }
    } else if (n == 2 && b == 0xC2 && static_cast<uint8_t>(text[i + 1]) < 0xA0) {
      // U+0080..U+009F are C1 controls; some terminals act on them (0x9B is CSI).
      appendHexEscape(out, b);
      appendHexEscape(out, static_cast<uint8_t>(text[i + 1]));
    } else {
      out.append(text.substr(i, n));
    }
    i += n;
  }
  return out;
}

}  // namespace gantry
