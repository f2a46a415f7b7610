#include "lib/crypt/mongocrypt_util.h"

#include <string>

namespace querysafe::crypt::internal {

BinaryPtr ViewBytes(std::span<const uint8_t> bytes) {
  // libmongocrypt's API takes non-const pointers but never writes through input
  // binaries.
  return BinaryPtr(mongocrypt_binary_new_from_data(const_cast<uint8_t*>(bytes.data()),
                                                   static_cast<uint32_t>(bytes.size())));
}

BinaryPtr ViewBson(const bson_t* doc) {
  return ViewBytes(std::span<const uint8_t>(bson_get_data(doc), doc->len));
}

BinaryPtr NewOutputBinary() { return BinaryPtr(mongocrypt_binary_new()); }

absl::StatusOr<BsonDoc> CopyBson(const mongocrypt_binary_t* binary) {
  BsonDoc out;
  if (!BsonDoc::FromBytes(mongocrypt_binary_data(binary), mongocrypt_binary_len(binary), &out)) {
    return absl::InternalError("libmongocrypt returned a document that is not valid BSON");
  }
  return out;
}

namespace {

std::string StatusMessage(mongocrypt_status_t* status) {
  uint32_t len = 0;
  const char* message = mongocrypt_status_message(status, &len);
  if (message == nullptr || len == 0) return "unknown error";
  return std::string(message, len);
}

}  // namespace

std::string ContextError(mongocrypt_ctx_t* ctx) {
  mongocrypt_status_t* status = mongocrypt_status_new();
  mongocrypt_ctx_status(ctx, status);
  std::string message = StatusMessage(status);
  mongocrypt_status_destroy(status);
  return message;
}

std::string CryptError(mongocrypt_t* crypt) {
  mongocrypt_status_t* status = mongocrypt_status_new();
  mongocrypt_status(crypt, status);
  std::string message = StatusMessage(status);
  mongocrypt_status_destroy(status);
  return message;
}

}  // namespace querysafe::crypt::internal
