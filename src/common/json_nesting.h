// A guard to run before parsing untrusted JSON: nlohmann's parser copes with deep nesting,
// but building, walking and destroying a value a million levels deep is not worth the risk
// for documents that are a few levels deep.
#pragma once

#include <string_view>

namespace gantry {

// True when brackets outside strings nest deeper than `limit`. Only a guard: it does not
// validate the text (the parser does that).
bool jsonNestingExceeds(std::string_view text, int limit);

}  // namespace gantry
