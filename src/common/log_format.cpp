// Log line formatting. The field split is a heuristic on purpose: messages are written by us
// in one convention, and a message that does not follow it still produces a valid line, only
// with fewer members.
#include "src/common/log_format.h"

#include <time.h>

#include <chrono>
#include <set>

#include <nlohmann/json.hpp>

#include "src/common/log_redaction.h"

namespace gantry {
namespace {

bool keyStart(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool keyChar(char c) { return keyStart(c) || (c >= '0' && c <= '9') || c == '.' || c == '-'; }

// Length of the `key` at `at` when text[at..] is "key=", else 0.
std::size_t keyAt(std::string_view text, std::size_t at) {
  if (at >= text.size() || !keyStart(text[at])) return 0;
  std::size_t end = at + 1;
  while (end < text.size() && keyChar(text[end])) ++end;
  return end < text.size() && text[end] == '=' ? end - at : 0;
}

// The position of the next " key=" at or after `from`, or npos. One inside double quotes or
// inside <...> is part of the value: an error that quotes a reply's
// `<?xml version="1.0" encoding="utf-8"?>` holds no fields.
std::size_t nextField(std::string_view text, std::size_t from) {
  bool quoted = false;
  int angle = 0;
  for (std::size_t i = from; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '"' && (i == 0 || text[i - 1] != '\\')) quoted = !quoted;
    if (quoted) continue;
    if (c == '<') ++angle;
    if (c == '>' && angle > 0) --angle;
    if (c == ' ' && angle == 0 && keyAt(text, i + 1) > 0) return i;
  }
  return std::string_view::npos;
}

// The time as 2026-12-06T03:45:00.123Z.
std::string utcTimestamp(spdlog::log_clock::time_point at) {
  const auto sinceEpoch = at.time_since_epoch();
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(sinceEpoch);
  const auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(sinceEpoch - seconds).count();
  const time_t t = static_cast<time_t>(seconds.count());
  tm parts{};
  ::gmtime_r(&t, &parts);
  char out[96];  // room for any int the compiler can imagine in each part
  std::snprintf(out, sizeof out, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", parts.tm_year + 1900,
                parts.tm_mon + 1, parts.tm_mday, parts.tm_hour, parts.tm_min, parts.tm_sec,
                static_cast<int>(millis));
  return out;
}

std::string_view levelName(spdlog::level::level_enum level) {
  const auto name = spdlog::level::to_string_view(level);
  return std::string_view(name.data(), name.size());
}

}  // namespace

LogFields splitLogFields(std::string_view text) {
  LogFields out;
  std::size_t at = keyAt(text, 0) > 0 ? 0 : nextField(text, 0);
  out.message = std::string(text.substr(0, at == std::string_view::npos ? text.size() : at));
  if (at == std::string_view::npos) return out;
  if (text[at] == ' ') ++at;
  while (at < text.size()) {
    const std::size_t keyLength = keyAt(text, at);
    std::string key(text.substr(at, keyLength));
    std::size_t valueStart = at + keyLength + 1;
    std::string value;
    std::size_t next = std::string_view::npos;
    bool quoted = false;
    if (valueStart < text.size() && text[valueStart] == '"') {
      // A quoted value: up to the closing quote, which must end the field.
      std::string unescaped;
      std::size_t i = valueStart + 1;
      for (; i < text.size() && text[i] != '"'; ++i) {
        if (text[i] == '\\' && i + 1 < text.size() && (text[i + 1] == '"' || text[i + 1] == '\\')) ++i;
        unescaped += text[i];
      }
      if (i < text.size() && (i + 1 == text.size() || (text[i + 1] == ' ' && keyAt(text, i + 2) > 0))) {
        quoted = true;
        value = std::move(unescaped);
        next = i + 1 == text.size() ? std::string_view::npos : i + 1;
      }
    }
    if (!quoted) {
      next = nextField(text, valueStart);
      value = std::string(text.substr(valueStart, next == std::string_view::npos ? std::string_view::npos
                                                                               : next - valueStart));
      // A quoted value with quotes of its own left unescaped: keep them, drop the outer pair.
      if (value.size() >= 2 && value.front() == '"' && value.back() == '"') value = value.substr(1, value.size() - 2);
    }
    out.fields.emplace_back(std::move(key), std::move(value));
    if (next == std::string_view::npos) break;
    at = next + 1;
  }
  return out;
}

void JsonLogFormatter::format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) {
  const std::string text = redactSecrets(std::string_view(msg.payload.data(), msg.payload.size()));
  LogFields split = splitLogFields(text);
  nlohmann::ordered_json line = nlohmann::ordered_json::object();
  line["time"] = utcTimestamp(msg.time);
  line["level"] = std::string(levelName(msg.level));
  line["logger"] = std::string(msg.logger_name.data(), msg.logger_name.size());
  line["msg"] = std::move(split.message);
  for (auto& [key, value] : split.fields) {
    std::string name = key;
    for (int n = 2; line.contains(name); ++n) name = key + "_" + std::to_string(n);
    line[name] = std::move(value);
  }
  const std::string out =
      line.dump(-1, ' ', /*ensure_ascii=*/false, nlohmann::ordered_json::error_handler_t::replace);
  dest.append(out.data(), out.data() + out.size());
  dest.push_back('\n');
}

std::unique_ptr<spdlog::formatter> JsonLogFormatter::clone() const {
  return std::make_unique<JsonLogFormatter>();
}

void TextLogFormatter::format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) {
  std::string out = utcTimestamp(msg.time);
  out += ' ';
  out += levelName(msg.level);
  out += " [";
  out.append(msg.logger_name.data(), msg.logger_name.size());
  out += "] ";
  for (char c : redactSecrets(std::string_view(msg.payload.data(), msg.payload.size()))) {
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else {
      out += c;
    }
  }
  out += '\n';
  dest.append(out.data(), out.data() + out.size());
}

std::unique_ptr<spdlog::formatter> TextLogFormatter::clone() const {
  return std::make_unique<TextLogFormatter>();
}

}  // namespace gantry
