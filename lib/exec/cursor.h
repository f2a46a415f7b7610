// A cursor of decrypted rows: the first batch came with the command's reply,
// the next ones come from getMore as Next() needs them, each decrypted by the
// auto-encrypting client before querysafe sees it. Destroying a cursor that
// is not exhausted kills it on the server (killCursors).
//
// A cursor holds one of the client's connections until it is destroyed (or
// exhausted), and keeps what it needs alive on its own: it may outlive the
// exec::Client it came from. Use it from one thread at a time.
#ifndef QUERYSAFE_LIB_EXEC_CURSOR_H_
#define QUERYSAFE_LIB_EXEC_CURSOR_H_

#include <mongoc/mongoc.h>

#include <optional>
#include <string>

#include "lib/common/bson_util.h"
#include "lib/exec/encrypted_clients.h"
#include "lib/exec/enforce_schema.h"
#include "lib/exec/mongoc_util.h"
#include "lib/exec/row_shape.h"
#include "querysafe/diagnostic.h"

namespace querysafe::exec {

class Cursor {
 public:
  Cursor(EncryptedClients::Lease lease, MongocPtr<mongoc_client_session_t> session,
         MongocPtr<mongoc_cursor_t> cursor, RowShaper shaper, std::string ns,
         std::optional<SchemaEnforcer> enforcer = std::nullopt);
  ~Cursor();
  Cursor(const Cursor&) = delete;
  Cursor& operator=(const Cursor&) = delete;

  // The next row, shaped as the query asked (row_shape.h). False at the end,
  // and on an error (a getMore the server refused, a dropped connection, a
  // value that does not decrypt, a document djongo's ENFORCE_SCHEMA refuses): error() then
  // says what happened.
  bool Next(BsonDoc* row);
  const std::optional<Diagnostic>& error() const { return error_; }
  RowKind row_kind() const { return shaper_.kind(); }

 private:
  void Close();

  // Destroyed in reverse order: the mongoc cursor first (it may send
  // killCursors with the session), then the session, then the lease returns
  // the connection.
  EncryptedClients::Lease lease_;
  MongocPtr<mongoc_client_session_t> session_;
  MongocPtr<mongoc_cursor_t> cursor_;
  RowShaper shaper_;
  std::string ns_;
  std::optional<SchemaEnforcer> enforcer_;
  std::optional<Diagnostic> error_;
};

}  // namespace querysafe::exec

#endif  // QUERYSAFE_LIB_EXEC_CURSOR_H_
