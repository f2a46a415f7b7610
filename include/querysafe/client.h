// File: querysafe/client.h
//
// Running queries on a MongoDB server (7.0 or later, a replica set or Atlas) over an encrypted
// connection: querysafe checks and translates the query, encrypts its values, and the connection
// decrypts what comes back. No Enterprise library (crypt_shared, mongocryptd) is involved:
// querysafe's own analysis replaces it, and the connection runs with bypassQueryAnalysis.
//
// Example:
//   querysafe::ConnectOptions options;
//   options.uri = "mongodb://db0,db1,db2/?replicaSet=rs0";
//   options.local_master_key = "@master.key";
//   querysafe::MigrateResult m = querysafe::Migrate(schema, options);  // once: keys, collections
//   querysafe::ClientResult c = querysafe::Client::Connect(schema, options);
//   if (!c.ok()) { ... c.diagnostics ... }
//   querysafe::RunResult r = c.client->Run(
//       R"(Patient.objects.filter(patient_record__ssn=$ssn))", *params);
//   if (r.ok() && r.rows) {
//     while (const bson_t* row = r.rows->Next()) { ... decrypted document ... }
//     if (r.rows->error()) { ... }
//   }
//
// Thread safety: a Client is shared by every thread of a process; it keeps a pool of
// connections and each call (a cursor: until it ends or is destroyed) takes one. A Cursor
// belongs to one thread at a time and may outlive the Client it came from.
#ifndef QUERYSAFE_CLIENT_H_
#define QUERYSAFE_CLIENT_H_

#include <bson/bson.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "querysafe/diagnostic.h"
#include "querysafe/export.h"
#include "querysafe/query.h"
#include "querysafe/schema.h"

namespace querysafe {

namespace exec {
class Client;
class Cursor;
}  // namespace exec

// How to reach the server and the keys. Every setting that holds JSON takes Extended JSON text.
struct ConnectOptions {
  // A MongoDB connection string; TLS to the server is set here as with every driver
  // (tls=true&tlsCAFile=...&tlsCertificateKeyFile=...).
  std::string uri;
  // The KMS that wraps the data keys: either a local master key (96 bytes, as base64 text or
  // "@FILE" holding base64 or the raw bytes) or a KMS providers document
  // ({"aws": {"accessKeyId": ..., "secretAccessKey": ...}}, as libmongocrypt takes it).
  // Neither is needed when the schema has no encrypted field.
  std::string local_master_key;
  std::string kms_providers;
  // "<db>.<collection>"; empty: the schema's (default "<database>.__keyVault").
  std::string key_vault_namespace;
  // TLS options for KMS providers, as mongoc takes them:
  // {"aws": {"tlsCAFile": ..., "tlsCertificateKeyFile": ...}}; used for querysafe's own KMS
  // requests (unwrapping data keys to encrypt values) and the driver's. Optional.
  std::string kms_tls_options;
  // Compile queries for this version instead of the one the server advertises.
  std::optional<ServerVersion> server_version;
  // Migrate only: the provider that wraps new data keys (default: the only one configured), and
  // its master key document for a provider other than local ({"region": ..., "key": ...} for aws).
  std::string kms_provider;
  std::string master_key;
  // Django's TIME_ZONE for the queries Run(text) compiles (CompileOptions::time_zone).
  std::string time_zone = "UTC";
};

// An owned BSON document, freed with the last copy of it. (A class rather than
// std::shared_ptr<const bson_t>: a template argument drops bson_t's 128-byte alignment attribute,
// and clang then warns on every call that passes the pointer to libbson.)
class Document {
 public:
  Document() = default;
  // A copy of `doc` (nullptr: no document).
  QUERYSAFE_EXPORT static Document Copy(const bson_t* doc);
  // Borrowed, valid as long as this Document (or a copy of it); nullptr if there is none.
  const bson_t* get() const { return static_cast<const bson_t*>(doc_.get()); }
  explicit operator bool() const { return doc_ != nullptr; }
  friend bool operator==(const Document& d, std::nullptr_t) { return d.doc_ == nullptr; }

 private:
  std::shared_ptr<const void> doc_;
};

// How a query's rows look: Django's model instances and values() dicts are documents,
// values_list() rows are arrays, values_list(flat=True) rows are a single value (stored as the
// only element of an array).
enum class RowShape : uint8_t { kDocument, kTuple, kScalar };

// Decrypted rows, fetched from the server (getMore) as they are read. Destroying a cursor that is
// not exhausted closes it on the server.
class Cursor {
 public:
  QUERYSAFE_EXPORT ~Cursor();
  Cursor(const Cursor&) = delete;
  Cursor& operator=(const Cursor&) = delete;

  // The next row (borrowed: valid until the next call or the cursor's end), or nullptr at the
  // end and on an error (a getMore the server refused, a lost connection, a value that does not
  // decrypt), which error() then holds.
  QUERYSAFE_EXPORT const bson_t* Next();
  QUERYSAFE_EXPORT const std::optional<Diagnostic>& error() const;
  QUERYSAFE_EXPORT RowShape shape() const;

 private:
  friend class Client;
  struct State;
  explicit Cursor(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

// What a query returned, by its final method. On success exactly one of these is set:
//   rows      all(), filter(), slices, values(), values_list(), in_bulk(), dates()
//   document  get(), first(), last(), [n], aggregate(); null for first()/last() of no rows
//   count     count(); update() and delete(): the rows they changed
//   exists    exists()
// get() that matches nothing or several rows is a DoesNotExist or MultipleObjectsReturned
// diagnostic, with Django's message.
struct RunResult {
  Diagnostics diagnostics;
  std::unique_ptr<Cursor> rows;
  Document document;
  bool returned_document = false;  // get()/first()/last()/aggregate(), even when null
  std::optional<int64_t> count;
  std::optional<bool> exists;
  RowShape shape = RowShape::kDocument;  // of `rows` and `document`

  bool ok() const { return diagnostics.empty(); }
};

// The outcome of Insert, Save and Delete.
struct WriteResult {
  Diagnostics diagnostics;
  // Insert: 1; Save: 1 (updated, or inserted when no document had the primary key); Delete: the
  // documents deleted (0 or 1).
  int64_t count = 0;
  // {"_id": value}: the document's primary key (Insert, Save).
  Document id;
  bool inserted = false;  // Save inserted the document

  bool ok() const { return diagnostics.empty(); }
};

class Client;

struct ClientResult {
  std::unique_ptr<Client> client;
  Diagnostics diagnostics;
  bool ok() const { return client != nullptr; }
};

class Client {
 public:
  // Reads the key vault (every data key the schema names by alt name must exist: run Migrate
  // first), opens the encrypted connection and reads the server's version from its handshake.
  // A server that cannot be reached, a KMS setting that is wrong or a missing key is a
  // diagnostic (ImproperlyConfigured or DatabaseError).
  QUERYSAFE_EXPORT static ClientResult Connect(const Schema& schema, const ConnectOptions& options);
  QUERYSAFE_EXPORT ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // The version queries are compiled for: the server's, or ConnectOptions::server_version.
  QUERYSAFE_EXPORT ServerVersion server_version() const;
  // Options to compile queries for this client with: its server version, and values this
  // build's libmongocrypt cannot encrypt refused at compile time.
  QUERYSAFE_EXPORT CompileOptions compile_options() const;

  // Encrypts a translation's values and runs it. Multi-document and pipeline updates, which
  // Queryable Encryption refuses, are refused before anything is sent.
  QUERYSAFE_EXPORT RunResult Run(const Translation& translation) const;
  // Compiles `text` with compile_options(), binds `params` ({name: value}), and runs it;
  // diagnostics about the query have spans into `text`.
  QUERYSAFE_EXPORT RunResult Run(std::string_view text, const bson_t& params) const;
  QUERYSAFE_EXPORT RunResult Run(std::string_view text) const;

  // Django's Model.objects.create(): inserts one instance of `model` from its field values keyed
  // by attribute name, each coerced to its field's type, defaults applied, a new ObjectId for an
  // implicit primary key, every encrypted field encrypted by querysafe with its field's options.
  QUERYSAFE_EXPORT WriteResult Insert(std::string_view model, const bson_t& values) const;
  // Django's save() of an instance with a primary key: every other field set (encrypted ones
  // re-encrypted); the instance is inserted when no document has that key.
  QUERYSAFE_EXPORT WriteResult Save(std::string_view model, const bson_t& values) const;
  // Deletes the instance with this primary key.
  QUERYSAFE_EXPORT WriteResult Delete(std::string_view model, const bson_value_t& pk) const;

  const exec::Client& impl() const { return *impl_; }

 private:
  Client(Schema schema, std::unique_ptr<exec::Client> impl, std::string time_zone);
  Schema schema_;
  std::string time_zone_;
  std::unique_ptr<exec::Client> impl_;
};

struct MigrateResult {
  Diagnostics diagnostics;
  // What was done, one line each, for humans ("created data key 'patients.patient_record.ssn'
  // (<uuid>)", "collection medical_records.patients is up to date").
  std::vector<std::string> actions;
  // {"<db>.<collection>": encryptedFields with keyIds} as canonical Extended JSON: what Connect
  // will use, and what django-mongodb-backend's encrypted_fields_map setting can hold.
  std::string encrypted_fields_map;

  bool ok() const { return diagnostics.empty(); }
};

// What django-mongodb-backend's migrate does for the schema's collections, idempotently: the key
// vault's unique index on keyAltNames, a data key per encrypted field (keyAltName
// "<db_table>.<path>", reused when it exists), and each collection, with its encryptedFields.
// An existing collection whose encryptedFields differ from the schema's is an error: MongoDB
// cannot change encrypted fields in place.
QUERYSAFE_EXPORT MigrateResult Migrate(const Schema& schema, const ConnectOptions& options);

}  // namespace querysafe

#endif  // QUERYSAFE_CLIENT_H_
