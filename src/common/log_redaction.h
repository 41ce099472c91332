// Keeping credentials out of the log, whatever a message carries. Code never logs a secret
// on purpose, but an error can quote one back: a peer's reply echoing a request, a URL with
// a signed query, a library's error text. So the log formatter (log_format.h) passes every
// line through redactSecrets(): the exact values registered as secrets (the AWS secret key
// and session token, the apiserver bearer token, as they are used) and the credential shapes
// below are replaced by [REDACTED] before a line is written, at every level.
#pragma once

#include <string>
#include <string_view>

namespace gantry {

inline constexpr std::string_view kRedacted = "[REDACTED]";

// Remembers `secret` so that redactSecrets() removes it from every later line. Values
// shorter than 8 characters are ignored (they would redact ordinary words). The 64 most
// recently registered are kept: credentials rotate, so an old one stops mattering.
// Cheap when `secret` is already known (the callers register on every use). Thread-safe.
void registerLogSecret(std::string_view secret);

// `text` with every registered secret replaced, and with the value after each of these
// replaced up to the end of the value: "Authorization:" / "Authorization=" (any case, to the
// end of the line), "Bearer ", "Signature=", "X-Amz-Security-Token" (":" or "="),
// "X-Amz-Credential=", "aws_secret_access_key", "aws_session_token". Thread-safe.
std::string redactSecrets(std::string_view text);

}  // namespace gantry
