// Text from untrusted input (manifest names, labels, file names) on its way to a terminal
// or a JSON document: checking that it is UTF-8 and making it safe to print.
#pragma once

#include <string>
#include <string_view>

namespace gantry {

// True when `text` is well-formed UTF-8: no stray continuation bytes, no truncated
// sequences, no overlong forms, no surrogates (U+D800..U+DFFF), nothing above U+10FFFF.
bool isValidUtf8(std::string_view text);

// `text` made safe to write to a terminal: C0 control characters, DEL and the C1 controls
// are written as escapes (\n, \t, \r, \e, else \xNN), a backslash as "\\" so the escaping
// cannot be forged, and every byte that is not part of well-formed UTF-8 as \xNN. Printable
// UTF-8 (accents, CJK, emoji) is kept as it is.
std::string escapeForTerminal(std::string_view text);

}  // namespace gantry
