// Errors as values at every library boundary (LevelDB's Status, Envoy's StatusOr).
// A Status carries a kind that callers branch on and a message for people; Result<T>
// is std::expected<T, Status>. Exceptions are reserved for bugs and fatal start-up errors.
#pragma once

#include <expected>
#include <string>
#include <string_view>
#include <utility>

namespace gantry {

// The kinds of failure a caller may want to handle differently.
enum class StatusCode {
  kOk = 0,
  kInvalid,               // malformed input: a bad quantity, an unknown operator, broken JSON
  kNotFound,              // the object does not exist (or no longer does)
  kAlreadyExists,         // create of an object that exists
  kConflict,              // optimistic-concurrency conflict (resourceVersion, precondition)
  kGone,                  // a watch's resourceVersion is too old: relist
  kThrottled,             // the peer asked us to slow down (429, RequestLimitExceeded)
  kInsufficientCapacity,  // the cloud has no capacity for this offering right now
  kUnauthorized,          // missing or bad credentials
  kForbidden,             // credentials are fine but not allowed
  kUnavailable,           // transient: connection refused, 5xx, timeout
  kCancelled,             // abandoned because the process is shutting down: never retried
  kUnimplemented,         // the operation is not supported by this implementation
  kInternal,              // a bug or an impossible state
};

std::string_view statusCodeName(StatusCode code);

class Status {
 public:
  // Success.
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status ok() { return {}; }
  static Status invalid(std::string msg) { return {StatusCode::kInvalid, std::move(msg)}; }
  static Status notFound(std::string msg) { return {StatusCode::kNotFound, std::move(msg)}; }
  static Status alreadyExists(std::string msg) {
    return {StatusCode::kAlreadyExists, std::move(msg)};
  }
  static Status conflict(std::string msg) { return {StatusCode::kConflict, std::move(msg)}; }
  static Status gone(std::string msg) { return {StatusCode::kGone, std::move(msg)}; }
  static Status throttled(std::string msg) { return {StatusCode::kThrottled, std::move(msg)}; }
  static Status insufficientCapacity(std::string msg) {
    return {StatusCode::kInsufficientCapacity, std::move(msg)};
  }
  static Status unauthorized(std::string msg) {
    return {StatusCode::kUnauthorized, std::move(msg)};
  }
  static Status forbidden(std::string msg) { return {StatusCode::kForbidden, std::move(msg)}; }
  static Status unavailable(std::string msg) { return {StatusCode::kUnavailable, std::move(msg)}; }
  static Status cancelled(std::string msg) { return {StatusCode::kCancelled, std::move(msg)}; }
  static Status unimplemented(std::string msg) {
    return {StatusCode::kUnimplemented, std::move(msg)};
  }
  static Status internal(std::string msg) { return {StatusCode::kInternal, std::move(msg)}; }

  bool isOk() const { return code_ == StatusCode::kOk; }
  bool isInvalid() const { return code_ == StatusCode::kInvalid; }
  bool isNotFound() const { return code_ == StatusCode::kNotFound; }
  bool isAlreadyExists() const { return code_ == StatusCode::kAlreadyExists; }
  bool isConflict() const { return code_ == StatusCode::kConflict; }
  bool isGone() const { return code_ == StatusCode::kGone; }
  bool isThrottled() const { return code_ == StatusCode::kThrottled; }
  bool isInsufficientCapacity() const { return code_ == StatusCode::kInsufficientCapacity; }
  bool isUnauthorized() const { return code_ == StatusCode::kUnauthorized; }
  bool isForbidden() const { return code_ == StatusCode::kForbidden; }
  bool isUnavailable() const { return code_ == StatusCode::kUnavailable; }
  bool isCancelled() const { return code_ == StatusCode::kCancelled; }
  // Worth retrying the same call later without changing it.
  bool isRetryable() const { return isThrottled() || isUnavailable(); }

  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // "Invalid: <message>", or "OK".
  std::string toString() const;

  // Returns a copy whose message is "<context>: <message>"; the kind is kept.
  Status withContext(std::string_view context) const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

template <typename T>
using Result = std::expected<T, Status>;

// `return fail(Status::invalid("..."));` from a function returning Result<T>.
inline std::unexpected<Status> fail(Status status) { return std::unexpected<Status>(std::move(status)); }

}  // namespace gantry
