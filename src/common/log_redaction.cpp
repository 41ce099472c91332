// The secret registry and the pattern scrubber. Patterns are matched case-insensitively on
// ASCII; a value ends at whitespace, a quote, '&', ',' or ';' (the ends a header, query
// string or JSON value gives it), except after Authorization, which is cut to the line end
// because its value has spaces ("AWS4-HMAC-SHA256 Credential=..., Signature=...").
#include "src/common/log_redaction.h"

#include <algorithm>
#include <array>
#include <deque>
#include <mutex>
#include <shared_mutex>

namespace gantry {
namespace {

constexpr std::size_t kMinSecretLength = 8;
constexpr std::size_t kMaxSecrets = 64;

struct Registry {
  std::shared_mutex mu;
  std::deque<std::string> secrets;  // oldest first; guarded by mu
};

Registry& registry() {
  static Registry* r = new Registry();  // never destroyed: logging may run during teardown
  return *r;
}

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

// Position of `needle` (lowercase) in `text` from `from`, ignoring ASCII case; npos if none.
std::size_t findNoCase(std::string_view text, std::string_view needle, std::size_t from) {
  if (needle.size() > text.size()) return std::string_view::npos;
  for (std::size_t i = from; i + needle.size() <= text.size(); ++i) {
    bool match = true;
    for (std::size_t j = 0; j < needle.size() && match; ++j) match = lower(text[i + j]) == needle[j];
    if (match) return i;
  }
  return std::string_view::npos;
}

bool endsValue(char c, bool toLineEnd) {
  if (c == '\n' || c == '\r') return true;
  if (toLineEnd) return c == '"';
  return c == ' ' || c == '\t' || c == '"' || c == '\'' || c == '&' || c == ',' || c == ';' || c == '<';
}

struct Pattern {
  std::string_view prefix;  // lowercase
  bool toLineEnd;
  bool needsSeparator;  // a name, not a value: only "name: value" or "name=value" is one
};

// After each prefix, optional separators (':', '=', spaces, quotes) and then the value.
constexpr std::array<Pattern, 8> kPatterns = {{
    {"authorization", true, true},
    {"bearer ", false, false},
    {"signature=", false, false},
    {"x-amz-security-token", false, true},
    {"x-amz-credential=", false, false},
    {"aws_secret_access_key", false, true},
    {"aws_session_token", false, true},
    {"secretaccesskey", false, true},
}};

void redactPattern(std::string& text, const Pattern& p) {
  std::size_t at = 0;
  while ((at = findNoCase(text, p.prefix, at)) != std::string::npos) {
    std::size_t start = at + p.prefix.size();
    if (p.needsSeparator) {
      std::size_t sep = start;
      while (sep < text.size() && (text[sep] == '"' || text[sep] == '\'' || text[sep] == ' ')) ++sep;
      if (sep >= text.size() || (text[sep] != ':' && text[sep] != '=')) {
        at = start;
        continue;
      }
    }
    while (start < text.size() && (text[start] == ':' || text[start] == '=' || text[start] == ' ' ||
                                   text[start] == '"' || text[start] == '>')) {
      ++start;
    }
    std::size_t end = start;
    while (end < text.size() && !endsValue(text[end], p.toLineEnd)) ++end;
    if (end > start && text.compare(start, end - start, kRedacted) != 0) {
      text.replace(start, end - start, kRedacted);
      end = start + kRedacted.size();
    }
    at = std::max(end, at + 1);
  }
}

}  // namespace

void registerLogSecret(std::string_view secret) {
  if (secret.size() < kMinSecretLength) return;
  Registry& r = registry();
  {
    std::shared_lock lock(r.mu);
    if (std::find(r.secrets.begin(), r.secrets.end(), secret) != r.secrets.end()) return;
  }
  std::unique_lock lock(r.mu);
  if (std::find(r.secrets.begin(), r.secrets.end(), secret) != r.secrets.end()) return;
  r.secrets.emplace_back(secret);
  if (r.secrets.size() > kMaxSecrets) r.secrets.pop_front();
}

std::string redactSecrets(std::string_view text) {
  std::string out(text);
  {
    Registry& r = registry();
    std::shared_lock lock(r.mu);
    for (const auto& secret : r.secrets) {
      std::size_t at = 0;
      while ((at = out.find(secret, at)) != std::string::npos) {
        out.replace(at, secret.size(), kRedacted);
        at += kRedacted.size();
      }
    }
  }
  for (const auto& p : kPatterns) redactPattern(out, p);
  return out;
}

}  // namespace gantry
