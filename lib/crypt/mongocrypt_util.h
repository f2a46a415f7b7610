// Internal to lib/crypt: RAII owners and error extraction for libmongocrypt
// handles, so that the rest of the stage never touches a raw
// mongocrypt_*_destroy. Not part of the stage's interface.
#ifndef QUERYSAFE_LIB_CRYPT_MONGOCRYPT_UTIL_H_
#define QUERYSAFE_LIB_CRYPT_MONGOCRYPT_UTIL_H_

#include <bson/bson.h>

// libmongocrypt's header has no extern "C" guard of its own.
extern "C" {
#include <mongocrypt/mongocrypt.h>
}

#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "lib/common/bson_util.h"

namespace querysafe::crypt::internal {

struct CryptDeleter {
  void operator()(mongocrypt_t* crypt) const { mongocrypt_destroy(crypt); }
};
struct CtxDeleter {
  void operator()(mongocrypt_ctx_t* ctx) const { mongocrypt_ctx_destroy(ctx); }
};
struct BinaryDeleter {
  void operator()(mongocrypt_binary_t* binary) const { mongocrypt_binary_destroy(binary); }
};
using CryptPtr = std::unique_ptr<mongocrypt_t, CryptDeleter>;
using CtxPtr = std::unique_ptr<mongocrypt_ctx_t, CtxDeleter>;
using BinaryPtr = std::unique_ptr<mongocrypt_binary_t, BinaryDeleter>;

// A mongocrypt_binary_t that views (does not copy) bytes the caller keeps
// alive. libmongocrypt copies what it needs from every input binary before the
// call returns.
BinaryPtr ViewBytes(std::span<const uint8_t> bytes);
BinaryPtr ViewBson(const bson_t* doc);
// An empty binary for libmongocrypt to fill (it then points into the context,
// valid until the context's next call).
BinaryPtr NewOutputBinary();
// Copies a BSON document that libmongocrypt handed out.
absl::StatusOr<BsonDoc> CopyBson(const mongocrypt_binary_t* binary);

// The error message of a failed context or handle ("unknown error" when
// libmongocrypt gave none).
std::string ContextError(mongocrypt_ctx_t* ctx);
std::string CryptError(mongocrypt_t* crypt);

}  // namespace querysafe::crypt::internal

#endif  // QUERYSAFE_LIB_CRYPT_MONGOCRYPT_UTIL_H_
