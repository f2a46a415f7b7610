// A key vault in a file: data key documents in Extended JSON (canonical or
// relaxed), in any of the shapes a key vault collection is exported as:
//   - a JSON array of key documents (mongoexport --jsonArray);
//   - one key document per line, or simply documents one after another
//     (mongoexport's default);
//   - a single key document.
// An empty file is an empty key vault. Keys are indexed by _id and by every
// keyAltName; as in a real key vault (unique index on keyAltNames) two keys may
// not share an _id or an alt name.
//
// Immutable after loading, so one instance is safely shared by any number of
// threads. The keys never change while a process runs, so libmongocrypt may
// cache them for the life of the Encryptor (CacheExpiration() is zero).
#ifndef QUERYSAFE_LIB_CRYPT_KEY_VAULT_FILE_H_
#define QUERYSAFE_LIB_CRYPT_KEY_VAULT_FILE_H_

#include <bson/bson.h>

#include <chrono>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "lib/common/bson_util.h"
#include "lib/crypt/key_source.h"

namespace querysafe::crypt {

class KeyVaultFile final : public KeySource {
 public:
  // Reads and parses `path`. Errors name the file and the (1-based) document.
  static absl::StatusOr<std::shared_ptr<const KeyVaultFile>> Load(const std::string& path);
  // Parses key documents from text; `name` is how errors and Describe() refer
  // to it.
  static absl::StatusOr<std::shared_ptr<const KeyVaultFile>> Parse(std::string_view text,
                                                                   std::string name);

  absl::StatusOr<std::vector<BsonDoc>> Find(const KeyQuery& query) const override;
  std::string Describe() const override;
  std::chrono::milliseconds CacheExpiration() const override {
    return std::chrono::milliseconds(0);
  }

  // The key documents in file order, and what was read from each.
  const std::vector<BsonDoc>& documents() const { return documents_; }
  const std::vector<KeyDocumentInfo>& infos() const { return infos_; }
  // Null if absent.
  const BsonDoc* FindById(const KeyId& id) const;
  const BsonDoc* FindByAltName(std::string_view alt_name) const;
  // True if the text was a JSON array (AppendToKeyVaultFile keeps that shape).
  bool is_array() const { return is_array_; }

 private:
  KeyVaultFile() = default;
  absl::Status Add(BsonDoc document, size_t number);

  std::string name_;
  bool is_array_ = false;
  std::vector<BsonDoc> documents_;
  std::vector<KeyDocumentInfo> infos_;
  // Ordered maps: a key vault holds a handful of keys, and abseil's hash maps
  // do not build in the asan preset (Debian's abseil with GCC 14 at -O0).
  std::map<KeyId, size_t> by_id_;
  std::map<std::string, size_t, std::less<>> by_alt_name_;
};

// One key document as a single line of canonical Extended JSON (types survive a
// round trip).
std::string KeyDocumentToJson(const bson_t* document);

// Adds key documents to a key vault file, creating it if needed. A file that
// holds a JSON array is rewritten as an array (through a temporary file and a
// rename, so a crash leaves the old file or the new one, never half of one);
// otherwise each key is appended as one line. The file must parse first, and
// the new keys must not reuse an _id or alt name already in it.
absl::Status AppendToKeyVaultFile(const std::string& path, std::span<const BsonDoc> keys);

}  // namespace querysafe::crypt

#endif  // QUERYSAFE_LIB_CRYPT_KEY_VAULT_FILE_H_
