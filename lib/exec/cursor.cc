#include "lib/exec/cursor.h"

#include <format>

namespace querysafe::exec {

Cursor::Cursor(EncryptedClients::Lease lease, MongocPtr<mongoc_client_session_t> session,
               MongocPtr<mongoc_cursor_t> cursor, RowShaper shaper, std::string ns,
               std::optional<SchemaEnforcer> enforcer)
    : lease_(std::move(lease)),
      session_(std::move(session)),
      cursor_(std::move(cursor)),
      shaper_(std::move(shaper)),
      ns_(std::move(ns)),
      enforcer_(std::move(enforcer)) {}

Cursor::~Cursor() { Close(); }

void Cursor::Close() {
  cursor_.reset();
  session_.reset();
  lease_ = EncryptedClients::Lease();
}

bool Cursor::Next(BsonDoc* row) {
  if (cursor_ == nullptr) return false;
  const bson_t* doc = nullptr;
  if (mongoc_cursor_next(cursor_.get(), &doc)) {
    *row = shaper_.Shape(doc);
    if (enforcer_) {
      if (std::optional<Diagnostic> d = enforcer_->Apply(doc, row)) {
        error_ = *std::move(d);
        Close();
        return false;
      }
    }
    return true;
  }
  bson_error_t error;
  const bson_t* reply = nullptr;
  if (mongoc_cursor_error_document(cursor_.get(), &error, &reply)) {
    error_ = DriverError(error, reply, std::format("reading from {}", ns_));
  }
  // Exhausted or failed: give the connection back now rather than when the
  // caller drops the cursor.
  Close();
  return false;
}

}  // namespace querysafe::exec
