#include "lib/exec/mongoc_util.h"

#include <cmath>
#include <format>
#include <mutex>

namespace querysafe::exec {

void EnsureMongocInitialized() {
  static std::once_flag once;
  std::call_once(once, [] { mongoc_init(); });
}

Diagnostic DatabaseError(std::string code, std::string message) {
  Diagnostic d;
  d.category = Category::kDatabaseError;
  d.code = std::move(code);
  d.message = std::move(message);
  return d;
}

Diagnostic MalformedReply(std::string_view what) {
  return DatabaseError("exec.malformed_reply", std::format("malformed server reply: {}", what));
}

namespace {

// The code of a server error as mongoc reports it, and its message.
std::optional<Diagnostic> FromErrorDocument(const bson_t* error, std::string_view code) {
  bson_iter_t it;
  int64_t server_code = 0;
  if (!bson_iter_init_find(&it, error, "code") || !IterInt64(it, &server_code)) {
    return std::nullopt;
  }
  Diagnostic d = DatabaseError(std::string(code), "");
  d.server_code = static_cast<int32_t>(server_code);
  if (bson_iter_init_find(&it, error, "errmsg") && BSON_ITER_HOLDS_UTF8(&it)) {
    d.message = bson_iter_utf8(&it, nullptr);
  } else {
    d.message = std::format("server error {}", server_code);
  }
  return d;
}

std::string_view CodeForDomain(uint32_t domain) {
  switch (domain) {
    case MONGOC_ERROR_SERVER:
    case MONGOC_ERROR_QUERY:
      return "exec.server_error";
    case MONGOC_ERROR_WRITE_CONCERN:
      return "exec.write_concern_error";
    case MONGOC_ERROR_STREAM:
      return "exec.network_error";
    case MONGOC_ERROR_SERVER_SELECTION:
      return "exec.server_selection";
    case MONGOC_ERROR_PROTOCOL:
      return "exec.protocol_error";
    case MONGOC_ERROR_CLIENT_SIDE_ENCRYPTION:
      return "exec.encryption_error";
    case MONGOC_ERROR_CURSOR:
      return "exec.cursor_error";
    default:
      return "exec.driver_error";
  }
}

}  // namespace

Diagnostic DriverError(const bson_error_t& error, const bson_t* reply, std::string_view doing) {
  const std::string_view code = CodeForDomain(error.domain);
  if (error.domain == MONGOC_ERROR_SERVER || error.domain == MONGOC_ERROR_QUERY ||
      error.domain == MONGOC_ERROR_WRITE_CONCERN) {
    // The server answered: its code and its words.
    Diagnostic d = DatabaseError(std::string(code), error.message);
    d.server_code = static_cast<int32_t>(error.code);
    if (error.domain == MONGOC_ERROR_WRITE_CONCERN && reply != nullptr) {
      if (std::optional<Diagnostic> wc = WriteError(reply)) return *wc;
    }
    return d;
  }
  std::string message = error.message;
  if (message.empty()) message = "unknown error";
  return DatabaseError(std::string(code), std::format("{} failed: {}", doing, message));
}

std::optional<Diagnostic> WriteError(const bson_t* reply) {
  bson_iter_t it;
  if (bson_iter_init_find(&it, reply, "writeErrors") && BSON_ITER_HOLDS_ARRAY(&it)) {
    bson_iter_t item;
    bson_iter_recurse(&it, &item);
    if (bson_iter_next(&item)) {
      if (!BSON_ITER_HOLDS_DOCUMENT(&item)) {
        return MalformedReply("writeErrors holds a non-document");
      }
      uint32_t len = 0;
      const uint8_t* data = nullptr;
      bson_iter_document(&item, &len, &data);
      bson_t error;
      if (!bson_init_static(&error, data, len)) {
        return MalformedReply("writeErrors holds a malformed document");
      }
      if (std::optional<Diagnostic> d = FromErrorDocument(&error, "exec.write_error")) {
        return d;
      }
      return MalformedReply("a writeErrors entry has no numeric code");
    }
  } else if (bson_iter_init_find(&it, reply, "writeErrors")) {
    return MalformedReply("writeErrors is not an array");
  }
  if (bson_iter_init_find(&it, reply, "writeConcernError")) {
    if (!BSON_ITER_HOLDS_DOCUMENT(&it)) {
      return MalformedReply("writeConcernError is not a document");
    }
    uint32_t len = 0;
    const uint8_t* data = nullptr;
    bson_iter_document(&it, &len, &data);
    bson_t error;
    if (!bson_init_static(&error, data, len)) {
      return MalformedReply("writeConcernError is malformed");
    }
    if (std::optional<Diagnostic> d = FromErrorDocument(&error, "exec.write_concern_error")) {
      return d;
    }
    return MalformedReply("writeConcernError has no numeric code");
  }
  return std::nullopt;
}

bool IterInt64(const bson_iter_t& it, int64_t* out) {
  if (BSON_ITER_HOLDS_INT32(&it)) {
    *out = bson_iter_int32(&it);
    return true;
  }
  if (BSON_ITER_HOLDS_INT64(&it)) {
    *out = bson_iter_int64(&it);
    return true;
  }
  if (BSON_ITER_HOLDS_DOUBLE(&it)) {
    const double d = bson_iter_double(&it);
    // Within int64 and integral; NaN fails both comparisons.
    if (!(d >= -9.2e18 && d <= 9.2e18) || d != std::floor(d)) return false;
    *out = static_cast<int64_t>(d);
    return true;
  }
  return false;
}

}  // namespace querysafe::exec
