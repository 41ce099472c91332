// The two line formats of the controller's log (--log-format text|json). JSON lines must stay
// valid whatever a message holds (quotes, backslashes, newlines, control characters, bytes
// that are not UTF-8, as an apiserver or EC2 error text may), so they are built with a JSON
// library rather than a pattern; and the `key=value` fields that end every message by
// convention (logging.h) become JSON members a log pipeline can query. Both formats pass the
// message through redactSecrets() first.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <spdlog/formatter.h>

namespace gantry {

struct LogFields {
  std::string message{};  // the phrase before the first field
  std::vector<std::pair<std::string, std::string>> fields{};  // in order
};

// Splits "verb phrase key=value key2=\"quoted value\" key3=two words" into the phrase and its
// fields. A field starts at a space followed by `key=` (key: a letter or '_', then letters,
// digits, '_', '.', '-'); a quoted value ends at its closing quote (\" and \\ unescaped), an
// unquoted one at the next field. Text without fields is all message.
LogFields splitLogFields(std::string_view text);

// {"time":"2026-12-06T03:45:00.123Z","level":"info","logger":"kube","msg":"...",<fields>}
// per line. A field named like one of the four fixed members, or repeated, gets a numeric
// suffix ("msg_2"). Invalid UTF-8 is replaced by U+FFFD.
class JsonLogFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override;
  std::unique_ptr<spdlog::formatter> clone() const override;
};

// "2026-12-06T03:45:00.123Z info [kube] message" per line, the message redacted and its line
// breaks escaped (\n), so that one record stays one line.
class TextLogFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override;
  std::unique_ptr<spdlog::formatter> clone() const override;
};

}  // namespace gantry
