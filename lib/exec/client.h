// exec::Client: runs lowered, encrypted commands on a MongoDB server over an
// auto-encrypting mongo-c-driver connection and returns decrypted results;
// inserts, saves and deletes model instances with querysafe's own encryption.
//
//   exec::ClientOptions options;
//   options.uri = "mongodb://db0,db1,db2/?replicaSet=rs0";
//   options.schema = schema;                         // the compiled schema
//   options.kms_providers = *crypt::KmsProviders::FromLocalKeyArgument(key);
//   exec::ConnectResult c = exec::Client::Connect(std::move(options));
//   if (!c.ok()) { /* c.diagnostics */ }
//   exec::Result r = c.client->Run(lowered);          // lower::Command
//   for (BsonDoc row; r.rows->Next(&row);) { ... }
//
// What Connect does: resolves every alt-name-only data key (`<db_table>.
// <path>`, django-mongodb-backend's names) to its _id in the key vault, builds
// the encrypted_fields_map from the schema with those keyIds, makes the first
// auto-encrypting connection (bypass_query_analysis=true: querysafe's analysis
// replaces crypt_shared/mongocryptd) and reads the server version from its
// handshake. A key that does not exist yet is an ImproperlyConfigured
// diagnostic saying to migrate first (migrate.h).
//
// Encryption: query values and inserted values are encrypted by querysafe
// (crypt::Encryptor, one per Client, fed by the key vault collection, making
// its own KMS round trips for keys under cloud or KMIP master keys); the
// driver's libmongocrypt adds encryptionInformation to the commands that need
// it and decrypts every reply, getMore batches included.
//
// Errors are diagnostics, never exceptions: DatabaseError with the server's
// code and message for what the server refused (mongoc_util.h), DoesNotExist /
// MultipleObjectsReturned for get(), NotSupportedError for writes QE forbids,
// and the encryptor's diagnostics for values that cannot be encrypted.
//
// Thread safety: one Client is meant to be shared by every thread of a
// process. Its connections form a pool (encrypted_clients.h) and each call
// takes one for its duration (a cursor: until it is exhausted or destroyed);
// the Encryptor and the key vault source are thread safe; the rest is
// immutable after Connect.
#ifndef QUERYSAFE_LIB_EXEC_CLIENT_H_
#define QUERYSAFE_LIB_EXEC_CLIENT_H_

#include <mongoc/mongoc.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "lib/common/bson_util.h"
#include "lib/common/server_version.h"
#include "lib/crypt/encryptor.h"
#include "lib/crypt/kms_providers.h"
#include "lib/exec/cursor.h"
#include "lib/exec/encrypted_clients.h"
#include "lib/exec/key_vault.h"
#include "lib/exec/mongoc_util.h"
#include "lib/lower/lower.h"
#include "lib/lower/lowered_instance.h"
#include "lib/schema/model.h"
#include "querysafe/diagnostic.h"

namespace querysafe::exec {

using common::ServerVersion;

struct ClientOptions {
  // A MongoDB connection string. TLS to the server is configured here, as
  // with every driver: tls=true&tlsCAFile=...&tlsCertificateKeyFile=...
  std::string uri;
  std::shared_ptr<const schema::Schema> schema;
  // The KMS providers document, passed to libmongocrypt and mongoc as is.
  crypt::KmsProviders kms_providers;
  // "<db>.<collection>"; empty: the schema's (default "<database>.__keyVault").
  std::string key_vault_namespace;
  // TLS options for KMS providers, mongoc's tls_opts document:
  // {"aws": {"tlsCAFile": ..., "tlsCertificateKeyFile": ...}}. May be empty.
  // Used by the driver's KMS requests and by querysafe's own (the Encryptor's
  // crypt::KmsTransport), so that values encrypt with aws/azure/gcp/kmip keys.
  BsonDoc kms_tls_options;
  // Compile for this version instead of the one the server advertises.
  std::optional<ServerVersion> server_version;
  // Migrate only: the KMS provider that wraps new data keys (default: the only
  // one configured) and its master key document (mongoc's masterkey: {region,
  // key} for aws...; empty for local).
  std::string kms_provider;
  BsonDoc master_key;
};

// The outcome of a command. `diagnostics` is empty on success; then the field
// matching the command's operation is set:
//   select (all, filter, slices, values, in_bulk, dates) -> rows
//   get, first, last, [n], aggregate                     -> document (nullopt:
//                                                           first()/last() of
//                                                           no rows: None)
//   count, update (rows matched), delete (rows deleted)  -> count
//   exists                                               -> exists
struct Result {
  Diagnostics diagnostics;
  std::unique_ptr<Cursor> rows;
  std::optional<BsonDoc> document;
  std::optional<int64_t> count;
  std::optional<bool> exists;
  RowKind row_kind = RowKind::kDocument;  // of `rows` and `document`

  bool ok() const { return diagnostics.empty(); }
};

// The outcome of Insert, Save and Delete.
struct WriteResult {
  Diagnostics diagnostics;
  // Insert: 1; Save: the documents matched by _id (1), or 1 inserted when none
  // was (Django's save() inserts then); Delete: the documents deleted (0 or 1).
  int64_t count = 0;
  BsonDoc id;  // {"_id": value}: the document's primary key
  bool inserted = false;

  bool ok() const { return diagnostics.empty(); }
};

class Client;

struct ConnectResult {
  std::unique_ptr<Client> client;
  Diagnostics diagnostics;

  bool ok() const { return client != nullptr; }
};

class Client {
 public:
  static ConnectResult Connect(ClientOptions options);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // The version queries should be compiled for: the server's (from its
  // handshake's maxWireVersion), or options.server_version.
  const ServerVersion& server_version() const { return server_version_; }
  const schema::Schema& schema() const { return *options_.schema; }
  // {"<db>.<collection>": encryptedFields with every keyId resolved}, as given
  // to the driver.
  const BsonDoc& encrypted_fields_map() const { return encrypted_fields_map_; }
  const crypt::Encryptor& encryptor() const { return *encryptor_; }

  // Encrypts the command's placeholders and runs it; the result as the
  // command's operation reads it (see Result). Multi-document and pipeline
  // updates are refused before anything is sent.
  Result Run(const lower::Command& command) const;

  // Inserts one instance of `model` from its field values keyed by Django
  // attribute name (Extended JSON read into BSON): each value coerced to its
  // field's BSON type as Django would, defaults and auto_now(_add) applied, a
  // new ObjectId for an implicit primary key, encrypted fields encrypted with
  // their own options (lib/analyze/instance_binder.h).
  // These three analyze and lower before they send, so they are defined on top
  // of the pipeline, in lib/api/instance_writes.cc, not in lib/exec (which
  // only sends: SendInsert, SendSave, SendDelete). They stay members for the
  // callers that hold an exec::Client (the CLI's insert).
  WriteResult Insert(std::string_view model, const bson_t* values) const;
  // Django's save() of an instance that has a primary key: update_one({_id},
  // {$set: every other field}), encrypted values re-encrypted; inserts the
  // instance when no document has that _id.
  WriteResult Save(std::string_view model, const bson_t* values) const;
  // Deletes the instance with this primary key (coerced to the pk's type).
  WriteResult Delete(std::string_view model, const bson_value_t& pk) const;

  // Sending an instance analyzed and lowered (lib/lower/lowered_instance.h):
  // insert it; the result's id is the instance's pk.
  WriteResult SendInsert(const schema::Model& model, const lower::LoweredInstance& instance) const;
  // update_one({_id: pk}, {$set: every other field}); count 0 (and no
  // diagnostics) when no document has that _id.
  WriteResult SendSave(const schema::Model& model, const lower::LoweredInstance& instance) const;
  // delete_one({_id: id}), `id` already of the primary key's type.
  WriteResult SendDelete(const schema::Model& model, const bson_value_t& id) const;

 private:
  explicit Client(ClientOptions options);

  // Sends a write command (insert/update/delete) through an encrypted client;
  // the reply's `n`, or a diagnostic.
  std::optional<int64_t> Write(std::string_view database, const bson_t* command,
                               std::string_view doing, Diagnostics* diagnostics) const;
  Result Read(const lower::Command& command, const bson_t* finished) const;
  // Encrypts placeholders; nullopt (and a diagnostic) if a value cannot be.
  std::optional<BsonDoc> Finish(const bson_t* command,
                                std::span<const lower::EncryptionRequest> requests,
                                Diagnostics* diagnostics) const;

  ClientOptions options_;
  MongocPtr<mongoc_uri_t> uri_;
  std::string key_vault_database_;
  std::string key_vault_collection_;
  // Plain (non-encrypting) connections for key vault reads.
  MongocPtr<mongoc_client_pool_t> plain_;
  std::shared_ptr<KeyVaultCollection> key_vault_;
  std::unique_ptr<crypt::Encryptor> encryptor_;
  BsonDoc encrypted_fields_map_;
  std::shared_ptr<EncryptedClients> encrypted_;
  ServerVersion server_version_;
};

// {"<db>.<collection>": encryptedFields} for the schema's collections, every
// key alt name replaced by its id from `ids`; a diagnostic per alt name `ids`
// lacks (Django's "Encryption key '<name>' not found. Have you migrated the
// <label> model?"). Shared by Connect and migrate.
BsonDoc ResolvedEncryptedFieldsMap(const schema::Schema& schema,
                                   const std::map<std::string, crypt::KeyId, std::less<>>& ids,
                                   Diagnostics* diagnostics);

// Every alt name the schema's encrypted paths refer to without a keyId.
std::vector<std::string> UnresolvedAltNames(const schema::Schema& schema);

}  // namespace querysafe::exec

#endif  // QUERYSAFE_LIB_EXEC_CLIENT_H_
