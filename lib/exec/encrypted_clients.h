// The auto-encrypting connections: a pool of single-threaded mongoc clients,
// each with automatic encryption enabled (bypass_query_analysis=true, the
// collections' encrypted_fields_map, the key vault namespace, the KMS providers
// and their TLS options) and its own plain key vault client.
//
// Why not mongoc_client_pool_t: with bypass_query_analysis, a pool never
// creates its mongocryptd client pool, yet mongoc 1.30.4's
// _mongoc_cse_auto_encrypt pops from it for every command
// (_get_mongocryptd_client -> mongoc_client_pool_pop(NULL)), which aborts the
// process. Single-threaded clients keep that client NULL and never pop it
// (mongoc-client-side-encryption.c). So this is the pool: each client is used
// by one thread at a time, as mongoc requires, and clients are made on demand
// up to the URI's maxPoolSize (default 100); Acquire() waits when all are out.
//
// Each client has its own libmongocrypt handle, so its own key cache: a key is
// fetched once per client per key_expiration (60 s), not once per query.
#ifndef QUERYSAFE_LIB_EXEC_ENCRYPTED_CLIENTS_H_
#define QUERYSAFE_LIB_EXEC_ENCRYPTED_CLIENTS_H_

#include <mongoc/mongoc.h>

#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "lib/common/bson_util.h"
#include "lib/exec/mongoc_util.h"
#include "querysafe/diagnostic.h"

namespace querysafe::exec {

struct AutoEncryptionSettings {
  // False for a database without encrypted fields: plain clients then (the
  // driver refuses auto-encryption without KMS providers, and nothing needs
  // it).
  bool enabled = true;
  std::string key_vault_database;
  std::string key_vault_collection;
  BsonDoc kms_providers;
  BsonDoc kms_tls_options;       // {"aws": {"tlsCAFile": ...}}, may be empty
  BsonDoc encrypted_fields_map;  // {"db.coll": encryptedFields with keyIds}
};

class EncryptedClients : public std::enable_shared_from_this<EncryptedClients> {
 public:
  // A client taken from the pool; returned when the lease goes away.
  class Lease {
   public:
    Lease() = default;
    Lease(Lease&& other) noexcept { *this = std::move(other); }
    Lease& operator=(Lease&& other) noexcept;
    ~Lease();
    mongoc_client_t* get() const { return client_; }
    explicit operator bool() const { return client_ != nullptr; }

   private:
    friend class EncryptedClients;
    // Keeps the pool alive: a cursor may outlive the exec::Client it came
    // from.
    std::shared_ptr<EncryptedClients> owner_;
    mongoc_client_t* client_ = nullptr;
  };

  // Makes one client at once, so that bad options are reported here rather
  // than on first use.
  static std::shared_ptr<EncryptedClients> Create(const mongoc_uri_t* uri,
                                                  AutoEncryptionSettings settings,
                                                  Diagnostic* error);
  ~EncryptedClients();

  // A client, or a diagnostic when a new one cannot be made.
  Lease Acquire(Diagnostic* error);

 private:
  struct Entry {
    MongocPtr<mongoc_client_t> key_vault;  // must outlive `encrypted`
    MongocPtr<mongoc_client_t> encrypted;
  };

  EncryptedClients(const mongoc_uri_t* uri, AutoEncryptionSettings settings);
  std::unique_ptr<Entry> MakeEntry(Diagnostic* error) const;
  void Release(mongoc_client_t* client);

  MongocPtr<mongoc_uri_t> uri_;
  AutoEncryptionSettings settings_;
  size_t max_size_;

  std::mutex mutex_;
  std::condition_variable returned_;
  std::vector<std::unique_ptr<Entry>> all_;
  std::vector<mongoc_client_t*> idle_;
  size_t being_made_ = 0;
};

}  // namespace querysafe::exec

#endif  // QUERYSAFE_LIB_EXEC_ENCRYPTED_CLIENTS_H_
