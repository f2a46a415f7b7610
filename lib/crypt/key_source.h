// Where data key documents come from. A data key document is one document of a
// MongoDB key vault collection (`<database>.__keyVault` for
// django-mongodb-backend):
//   {_id: UUID, keyAltNames: [string], keyMaterial: BinData (the data key,
//    wrapped by the master key), masterKey: {provider: "local" | "aws" | ...,
//    ...}, creationDate, updateDate, status}
//
// The Encryptor asks a KeySource for keys only when libmongocrypt's key cache
// misses (MONGOCRYPT_CTX_NEED_MONGO_KEYS); libmongocrypt then keeps the
// unwrapped keys for CacheExpiration(). Two sources are planned:
//   - KeyVaultFile (key_vault_file.h): key documents from a JSON file, for
//     offline use;
//   - the key vault collection through a mongoc connection (execution stage).
//     Its Find() runs find(<key vault namespace>, {$or: [{_id: {$in: ids}},
//     {keyAltNames: {$in: alt_names}}]}) with readConcern "majority", as
//     libmongocrypt's own mongo_op filter does, and returns the documents as
//     they are. Its CacheExpiration() should be the driver default of 60 s, so
//     that a key deleted or rewrapped on the server stops being used within a
//     minute.
#ifndef QUERYSAFE_LIB_CRYPT_KEY_SOURCE_H_
#define QUERYSAFE_LIB_CRYPT_KEY_SOURCE_H_

#include <bson/bson.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "lib/common/bson_util.h"

namespace querysafe::crypt {

// A data key's _id: a UUID, 16 bytes in RFC 4122 order (BSON binary subtype 4).
using KeyId = std::array<uint8_t, 16>;

// "12345678-1234-9876-1234-123456789012".
std::string KeyIdToString(const KeyId& id);
// Parses the canonical 36-character form (either case); nullopt if it is not
// one.
std::optional<KeyId> KeyIdFromString(std::string_view text);

// What querysafe needs to know about a key document; the document itself goes
// to libmongocrypt unchanged.
struct KeyDocumentInfo {
  KeyId id{};
  std::vector<std::string> alt_names;
  std::string provider;  // masterKey.provider: "local", "aws", "local:name", ...

  // How errors name the key: its first alt name, else its UUID.
  std::string DisplayName() const;
};

// Checks the fields libmongocrypt relies on: `_id` a UUID (binary subtype 4, 16
// bytes), `keyMaterial` binary, `masterKey` a document with a string
// `provider`, `keyAltNames` (if present) an array of distinct strings. The
// message says which field is wrong.
absl::StatusOr<KeyDocumentInfo> InspectKeyDocument(const bson_t* document);

// Keys by _id or by key alt name, as libmongocrypt asks for them.
struct KeyQuery {
  std::vector<KeyId> ids;
  std::vector<std::string> alt_names;
};

// Implementations must be safe to call from several threads at once: one
// Encryptor serves many.
class KeySource {
 public:
  virtual ~KeySource() = default;

  // Every key document whose _id is in query.ids or whose keyAltNames contain
  // one of query.alt_names. A key that does not exist is simply absent (the
  // Encryptor reports it); a status is for a source that cannot answer (I/O,
  // network).
  virtual absl::StatusOr<std::vector<BsonDoc>> Find(const KeyQuery& query) const = 0;

  // How the source is named in errors: "key vault file 'keys.json'".
  virtual std::string Describe() const = 0;

  // How long libmongocrypt may keep a key from this source unwrapped in its
  // cache; zero means for the life of the Encryptor.
  virtual std::chrono::milliseconds CacheExpiration() const = 0;
};

}  // namespace querysafe::crypt

#endif  // QUERYSAFE_LIB_CRYPT_KEY_SOURCE_H_
