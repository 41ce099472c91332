// Watch stream decoding and the single-watch loop.
#include "src/kube/watch.h"

#include "src/http/url.h"

namespace gantry::kube {

using nlohmann::json;

namespace {

// The Status of an ERROR event or failed request, mapped like an HTTP error response.
Status statusFromObject(const json& object, std::string_view what) {
  http::Response resp;
  resp.status = object.is_object() && object.contains("code") && object["code"].is_number_integer()
                    ? object["code"].get<int>()
                    : 500;
  resp.body = object.dump();
  return statusFromResponse(resp, what);
}

}  // namespace

std::string_view watchEventTypeName(WatchEventType type) {
  switch (type) {
    case WatchEventType::kAdded: return "ADDED";
    case WatchEventType::kModified: return "MODIFIED";
    case WatchEventType::kDeleted: return "DELETED";
    case WatchEventType::kBookmark: return "BOOKMARK";
  }
  return "UNKNOWN";
}

Status WatchDecoder::decodeLine(std::string_view line, const Sink& sink) {
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.remove_suffix(1);
  if (line.empty()) return Status::ok();
  json doc = json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object()) return Status::invalid("watch: a line is not a JSON object");
  if (!doc.contains("type") && doc.value("kind", "") == "Status") {
    return statusFromObject(doc, "watch");
  }
  const std::string type = doc.value("type", "");
  auto object = doc.find("object");
  if (object == doc.end()) return Status::invalid("watch: event '" + type + "' has no object");
  WatchEvent ev;
  if (type == "ADDED") {
    ev.type = WatchEventType::kAdded;
  } else if (type == "MODIFIED") {
    ev.type = WatchEventType::kModified;
  } else if (type == "DELETED") {
    ev.type = WatchEventType::kDeleted;
  } else if (type == "BOOKMARK") {
    ev.type = WatchEventType::kBookmark;
  } else if (type == "ERROR") {
    return statusFromObject(*object, "watch ERROR event");
  } else {
    return Status::invalid("watch: unknown event type '" + type + "'");
  }
  ev.object = std::move(*object);
  if (auto meta = ev.object.find("metadata"); meta != ev.object.end() && meta->is_object()) {
    if (auto rv = meta->find("resourceVersion"); rv != meta->end() && rv->is_string()) {
      lastResourceVersion_ = rv->get<std::string>();
    }
  }
  if (!sink(std::move(ev))) stopped_ = true;
  return Status::ok();
}

Status WatchDecoder::feed(std::string_view chunk, const Sink& sink) {
  if (stopped_) return error_;
  buffer_.append(chunk);
  std::size_t start = 0;
  for (;;) {
    const auto nl = buffer_.find('\n', start);
    if (nl == std::string::npos) break;
    Status st = decodeLine(std::string_view(buffer_).substr(start, nl - start), sink);
    start = nl + 1;
    if (!st.isOk()) {
      error_ = st;
      stopped_ = true;
    }
    if (stopped_) break;
  }
  buffer_.erase(0, start);
  // One event is one object; the apiserver caps objects far below this (etcd's 1.5 MiB).
  constexpr std::size_t kMaxEventBytes = 64u << 20;
  if (error_.isOk() && buffer_.size() > kMaxEventBytes) {
    error_ = Status::invalid("watch: an event is longer than 64 MiB");
    stopped_ = true;
  }
  return error_;
}

Status WatchDecoder::finish() {
  if (stopped_) return error_;
  // A final line without its newline: decode it if it is whole JSON (a Status body).
  if (buffer_.find_first_not_of(" \r\n\t") == std::string::npos) return Status::ok();
  Status st = decodeLine(buffer_, [](WatchEvent&&) { return true; });
  buffer_.clear();
  if (!st.isOk()) error_ = st;
  return st.isOk() ? Status::invalid("watch: stream ended inside an event") : st;
}

std::string watchQuery(const WatchOptions& options) {
  std::string q = "watch=1";
  auto add = [&](std::string_view key, std::string_view value) {
    if (value.empty()) return;
    q += '&';
    q += key;
    q += '=';
    q += http::percentEncode(value);
  };
  add("labelSelector", options.labelSelector);
  add("fieldSelector", options.fieldSelector);
  add("resourceVersion", options.resourceVersion);
  if (options.timeoutSeconds > 0) add("timeoutSeconds", std::to_string(options.timeoutSeconds));
  if (options.allowBookmarks) add("allowWatchBookmarks", "true");
  return q;
}

Result<std::string> watch(RestClient& client, const ResourcePath& path, const WatchOptions& options,
                          const std::function<bool(const WatchEvent&)>& onEvent) {
  WatchDecoder decoder;
  Status decodeError;
  auto resp = client.stream(path, watchQuery(options), [&](std::string_view chunk) {
    decodeError = decoder.feed(chunk, [&](WatchEvent&& ev) { return onEvent(ev); });
    return !decoder.stopped();
  }, options.cancel);
  if (!resp) return fail(resp.error());  // an HTTP error outranks what its body decoded to
  if (!decodeError.isOk()) return fail(decodeError);
  const bool cancelled = options.cancel != nullptr && options.cancel->load();
  if (!decoder.stopped() && !cancelled) {
    if (Status st = decoder.finish(); !st.isOk()) return fail(st);
  }
  return decoder.lastResourceVersion().empty() ? options.resourceVersion
                                               : decoder.lastResourceVersion();
}

}  // namespace gantry::kube
