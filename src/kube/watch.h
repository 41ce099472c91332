// Kubernetes watches: the apiserver streams newline-delimited JSON events
// ({"type":"ADDED","object":{...}}) for as long as the watch lasts. WatchDecoder turns
// arbitrary transport chunks into events; watch() runs one watch request to its end.
// Informers (list + watch + relist on kGone) build on these.
#pragma once

#include <atomic>
#include <functional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "src/common/status.h"
#include "src/kube/rest_client.h"

namespace gantry::kube {

enum class WatchEventType { kAdded, kModified, kDeleted, kBookmark };

struct WatchEvent {
  WatchEventType type = WatchEventType::kAdded;
  nlohmann::json object{};  // the object (for a bookmark, only metadata.resourceVersion)
};

std::string_view watchEventTypeName(WatchEventType type);

// Reassembles lines across chunks and decodes each. Not thread-safe (one per stream).
class WatchDecoder {
 public:
  using Sink = std::function<bool(WatchEvent&&)>;

  // Feeds one chunk; calls `sink` for every complete event in order until it returns false.
  // Returns OK, or (and stops decoding) an error:
  //   an ERROR event: its Status mapped as statusFromResponse does (code 410 / reason
  //   Expired or Gone → kGone: the resourceVersion is too old, relist);
  //   a bare Status object (the body of a failed watch request): mapped the same way;
  //   a line that is not a JSON event, an unknown type, or over 64 MiB: kInvalid.
  // After an error or a false from `sink`, further feeds are ignored and return the same.
  Status feed(std::string_view chunk, const Sink& sink);

  // Called at the end of the stream: kInvalid if an incomplete line is left over.
  Status finish();

  // The resourceVersion of the last event decoded ("" before any), to resume a watch from.
  const std::string& lastResourceVersion() const { return lastResourceVersion_; }
  bool stopped() const { return stopped_; }

 private:
  Status decodeLine(std::string_view line, const Sink& sink);

  std::string buffer_;
  std::string lastResourceVersion_;
  Status error_;
  bool stopped_ = false;  // sink returned false, or error_ is set
};

struct WatchOptions {
  std::string labelSelector{};
  std::string fieldSelector{};
  std::string resourceVersion{};  // start after this version; "" = from now (synthetic ADDs)
  int timeoutSeconds = 300;       // the server ends the watch after this long
  bool allowBookmarks = true;
  // Optional: set to true from another thread to end the watch (as if the server closed it).
  const std::atomic<bool>* cancel = nullptr;
};

// The query string of a watch request (watch=1 plus the options), percent-encoded.
std::string watchQuery(const WatchOptions& options);

// Watches `path` (a collection) until the server closes the stream, `onEvent` returns false,
// or an error. Returns the last resourceVersion seen (options.resourceVersion if none), from
// which the caller can start the next watch. Errors: kGone when the resourceVersion is too
// old (relist), else as RestClient::stream and WatchDecoder::feed.
Result<std::string> watch(RestClient& client, const ResourcePath& path, const WatchOptions& options,
                          const std::function<bool(const WatchEvent&)>& onEvent);

}  // namespace gantry::kube
