// RAII for mongo-c-driver handles, and how the driver's failures become
// querysafe diagnostics.
//
// Errors: the clients use mongoc's error API version 2, so that a server error
// (ok: 0) arrives with domain MONGOC_ERROR_SERVER and the server's own code.
// Everything that goes wrong on the way to the server or back becomes a
// DatabaseError diagnostic: the server's code in `server_code` and its message
// verbatim when the server answered; mongoc's message (network, protocol, a
// reply that does not parse, libmongocrypt) otherwise, with server_code 0.
#ifndef QUERYSAFE_LIB_EXEC_MONGOC_UTIL_H_
#define QUERYSAFE_LIB_EXEC_MONGOC_UTIL_H_

#include <mongoc/mongoc.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "lib/common/bson_util.h"
#include "querysafe/diagnostic.h"

namespace querysafe::exec {

// mongoc_init() once per process (thread safe; never undone, as mongoc asks
// that mongoc_cleanup() run only when no handle can be used any more).
void EnsureMongocInitialized();

struct MongocDeleter {
  void operator()(mongoc_uri_t* p) const { mongoc_uri_destroy(p); }
  void operator()(mongoc_client_t* p) const { mongoc_client_destroy(p); }
  void operator()(mongoc_client_pool_t* p) const { mongoc_client_pool_destroy(p); }
  void operator()(mongoc_cursor_t* p) const { mongoc_cursor_destroy(p); }
  void operator()(mongoc_client_session_t* p) const { mongoc_client_session_destroy(p); }
  void operator()(mongoc_collection_t* p) const { mongoc_collection_destroy(p); }
  void operator()(mongoc_database_t* p) const { mongoc_database_destroy(p); }
  void operator()(mongoc_client_encryption_t* p) const { mongoc_client_encryption_destroy(p); }
  void operator()(mongoc_auto_encryption_opts_t* p) const {
    mongoc_auto_encryption_opts_destroy(p);
  }
  void operator()(mongoc_client_encryption_opts_t* p) const {
    mongoc_client_encryption_opts_destroy(p);
  }
  void operator()(mongoc_client_encryption_datakey_opts_t* p) const {
    mongoc_client_encryption_datakey_opts_destroy(p);
  }
  void operator()(mongoc_read_concern_t* p) const { mongoc_read_concern_destroy(p); }
  void operator()(mongoc_server_description_t* p) const { mongoc_server_description_destroy(p); }
  void operator()(mongoc_read_prefs_t* p) const { mongoc_read_prefs_destroy(p); }
};

template <typename T>
using MongocPtr = std::unique_ptr<T, MongocDeleter>;

// A bson_t that mongoc initializes (replies): always destroyed, even when the
// call failed (mongoc initializes reply documents in every case).
class Reply {
 public:
  Reply() { bson_init(&doc_); }
  ~Reply() { bson_destroy(&doc_); }
  Reply(const Reply&) = delete;
  Reply& operator=(const Reply&) = delete;
  // For functions that bson_init the reply themselves.
  bson_t* uninitialized() {
    bson_destroy(&doc_);
    return &doc_;
  }
  const bson_t* get() const { return &doc_; }
  // Hands the document over (mongoc_cursor_new_from_command_reply_with_opts
  // takes ownership); this object is empty afterwards.
  bson_t* Release() {
    bson_t* copy = bson_copy(&doc_);
    bson_reinit(&doc_);
    return copy;
  }

 private:
  bson_t doc_;
};

// The diagnostic for a failed driver call: `error` as mongoc filled it, and
// the server's reply when there is one (for writeConcernError and the error
// labels). `doing` names the operation for errors that are not the server's
// ("find on medical_records.patients").
Diagnostic DriverError(const bson_error_t& error, const bson_t* reply, std::string_view doing);

// The first writeErrors entry, or writeConcernError, of a write command's
// reply, as a diagnostic; nullopt when the write succeeded.
std::optional<Diagnostic> WriteError(const bson_t* reply);

// A reply that has the wrong shape ("n is a string"): DatabaseError
// "exec.malformed_reply".
Diagnostic MalformedReply(std::string_view what);

// A DatabaseError with this code and message (server_code 0).
Diagnostic DatabaseError(std::string code, std::string message);

// Numbers as the server sends them: int32, int64 or double with an integral
// value. False for any other type.
bool IterInt64(const bson_iter_t& it, int64_t* out);

}  // namespace querysafe::exec

#endif  // QUERYSAFE_LIB_EXEC_MONGOC_UTIL_H_
