// The key vault collection as a crypt::KeySource: what feeds the shared
// crypt::Encryptor the data keys it encrypts query values and inserts with,
// and how alt-name-only keys are resolved to their _id when a client connects.
//
// It reads through a plain (non-encrypting) mongoc client pool: key documents
// are stored as they are, and a key vault read must never itself go through
// auto-encryption. Reads use readConcern "majority", as libmongocrypt's own
// key lookups do (a key must not be used before it is durable), with the
// filter libmongocrypt sends:
//   {$or: [{_id: {$in: [ids]}}, {keyAltNames: {$in: [names]}}]}
//
// Thread safe: the pool hands each call its own client. The pool must outlive
// this object (exec::Client owns both).
#ifndef QUERYSAFE_LIB_EXEC_KEY_VAULT_H_
#define QUERYSAFE_LIB_EXEC_KEY_VAULT_H_

#include <mongoc/mongoc.h>

#include <chrono>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "lib/crypt/key_source.h"

namespace querysafe::exec {

// "<database>.<collection>" split at the first dot, as the drivers split a key
// vault namespace; false if either side is empty.
bool SplitNamespace(std::string_view ns, std::string* database, std::string* collection);

class KeyVaultCollection final : public crypt::KeySource {
 public:
  KeyVaultCollection(mongoc_client_pool_t* pool, std::string database, std::string collection);

  absl::StatusOr<std::vector<BsonDoc>> Find(const crypt::KeyQuery& query) const override;
  std::string Describe() const override;
  // The drivers' default: a key deleted or rewrapped on the server stops
  // being used within a minute.
  std::chrono::milliseconds CacheExpiration() const override {
    return std::chrono::milliseconds(60000);
  }

  // The _id of the key holding each alt name; names no key holds are absent.
  absl::StatusOr<std::map<std::string, crypt::KeyId, std::less<>>> ResolveAltNames(
      std::span<const std::string> alt_names) const;

 private:
  mongoc_client_pool_t* pool_;
  std::string database_;
  std::string collection_;
};

// The same lookups on a single-threaded client (migrate runs on one).
absl::StatusOr<std::vector<BsonDoc>> FindKeys(mongoc_client_t* client, const std::string& database,
                                              const std::string& collection,
                                              const crypt::KeyQuery& query);

}  // namespace querysafe::exec

#endif  // QUERYSAFE_LIB_EXEC_KEY_VAULT_H_
