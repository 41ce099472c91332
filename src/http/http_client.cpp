// Small helpers on the transport value types; kept out of the header so it stays a contract.
#include "src/http/http_client.h"

namespace gantry::http {

bool headerNameEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

std::optional<std::string> Response::header(std::string_view name) const {
  for (const auto& h : headers) {
    if (headerNameEquals(h.name, name)) return h.value;
  }
  return std::nullopt;
}

}  // namespace gantry::http
