#include "lib/exec/migrate.h"

#include <algorithm>
#include <cstring>
#include <format>
#include <map>

#include "lib/common/bson_array.h"
#include "lib/common/diagnostic_util.h"
#include "lib/crypt/kms_providers.h"
#include "lib/exec/key_vault.h"
#include "lib/exec/mongoc_util.h"
#include "lib/schema/bson_equivalent.h"

namespace querysafe::exec {
namespace {

// The KMS provider new keys are wrapped with, as django-mongodb-backend's
// kms_provider property chooses it.
std::optional<std::string> ChooseProvider(const ClientOptions& options, Diagnostics* diagnostics) {
  const std::vector<std::string> names = options.kms_providers.Names();
  std::string provider = options.kms_provider;
  if (provider.empty()) {
    if (names.empty()) {
      diagnostics->push_back(ConfigurationDiagnostic(
          "exec.kms_providers",
          "Creating data keys needs a KMS provider (a local master key, or a "
          "kms_providers document)"));
      return std::nullopt;
    }
    if (names.size() > 1) {
      diagnostics->push_back(ConfigurationDiagnostic(
          "exec.kms_providers",
          "Multiple KMS providers per database aren't supported. Please create "
          "a feature request with details about your use case."));
      return std::nullopt;
    }
    provider = names.front();
  } else if (!options.kms_providers.Has(provider)) {
    diagnostics->push_back(ConfigurationDiagnostic(
        "exec.kms_providers", std::format("The KMS provider '{}' is not configured", provider)));
    return std::nullopt;
  }
  if (!crypt::KmsProviders::IsLocal(provider) && options.master_key.empty()) {
    diagnostics->push_back(ConfigurationDiagnostic(
        "exec.master_key", std::format("The master key (KMS_CREDENTIALS) required for KMS '{}' "
                                       "is missing.",
                                       provider)));
    return std::nullopt;
  }
  return provider;
}

// createIndexes on the key vault: PyMongo's create_index("keyAltNames",
// unique=True, partialFilterExpression={"keyAltNames": {"$exists": True}}).
// The server accepts an identical index again, so this is idempotent.
bool CreateKeyVaultIndex(mongoc_client_t* client, const std::string& database,
                         const std::string& collection, Diagnostics* diagnostics) {
  BsonDoc command;
  AppendUtf8(command.get(), "createIndexes", collection);
  bson_t indexes, index, key, partial, exists;
  querysafe::AppendArrayBegin(command.get(), "indexes", -1, &indexes);
  BSON_APPEND_DOCUMENT_BEGIN(&indexes, "0", &index);
  BSON_APPEND_DOCUMENT_BEGIN(&index, "key", &key);
  BSON_APPEND_INT32(&key, "keyAltNames", 1);
  bson_append_document_end(&index, &key);
  BSON_APPEND_UTF8(&index, "name", "keyAltNames_1");
  BSON_APPEND_BOOL(&index, "unique", true);
  BSON_APPEND_DOCUMENT_BEGIN(&index, "partialFilterExpression", &partial);
  BSON_APPEND_DOCUMENT_BEGIN(&partial, "keyAltNames", &exists);
  BSON_APPEND_BOOL(&exists, "$exists", true);
  bson_append_document_end(&partial, &exists);
  bson_append_document_end(&index, &partial);
  bson_append_document_end(&indexes, &index);
  bson_append_array_end(command.get(), &indexes);
  bson_error_t e;
  Reply reply;
  if (!mongoc_client_write_command_with_opts(client, database.c_str(), command.get(), nullptr,
                                             reply.uninitialized(), &e)) {
    diagnostics->push_back(
        DriverError(e, reply.get(), std::format("createIndexes on {}.{}", database, collection)));
    return false;
  }
  return true;
}

std::optional<crypt::KeyId> CreateDataKey(mongoc_client_encryption_t* ce,
                                          const std::string& provider, const BsonDoc& master_key,
                                          const std::string& alt_name, Diagnostics* diagnostics) {
  MongocPtr<mongoc_client_encryption_datakey_opts_t> opts(
      mongoc_client_encryption_datakey_opts_new());
  char* names[] = {const_cast<char*>(alt_name.c_str())};
  mongoc_client_encryption_datakey_opts_set_keyaltnames(opts.get(), names, 1);
  if (!master_key.empty()) {
    mongoc_client_encryption_datakey_opts_set_masterkey(opts.get(), master_key.get());
  }
  bson_value_t id;
  bson_error_t e;
  if (!mongoc_client_encryption_create_datakey(ce, provider.c_str(), opts.get(), &id, &e)) {
    diagnostics->push_back(
        DriverError(e, nullptr, std::format("creating the data key '{}'", alt_name)));
    return std::nullopt;
  }
  std::optional<crypt::KeyId> key;
  if (id.value_type == BSON_TYPE_BINARY && id.value.v_binary.data_len == 16) {
    key.emplace();
    std::memcpy(key->data(), id.value.v_binary.data, 16);
  }
  bson_value_destroy(&id);
  if (!key) {
    diagnostics->push_back(MalformedReply(std::format("the data key '{}' has no UUID", alt_name)));
  }
  return key;
}

// The options.encryptedFields of an existing collection; nullopt if it does not
// exist. `exists_plain` is set for a collection without encryptedFields.
std::optional<BsonDoc> ExistingEncryptedFields(mongoc_database_t* db, const std::string& name,
                                               bool* exists, Diagnostics* diagnostics) {
  *exists = false;
  BsonDoc opts;
  bson_t filter;
  BSON_APPEND_DOCUMENT_BEGIN(opts.get(), "filter", &filter);
  AppendUtf8(&filter, "name", name);
  bson_append_document_end(opts.get(), &filter);
  MongocPtr<mongoc_cursor_t> cursor(mongoc_database_find_collections_with_opts(db, opts.get()));
  const bson_t* info = nullptr;
  std::optional<BsonDoc> fields;
  if (mongoc_cursor_next(cursor.get(), &info)) {
    *exists = true;
    bson_iter_t it;
    if (bson_iter_init(&it, info) &&
        bson_iter_find_descendant(&it, "options.encryptedFields", &it) &&
        BSON_ITER_HOLDS_DOCUMENT(&it)) {
      uint32_t len = 0;
      const uint8_t* data = nullptr;
      bson_iter_document(&it, &len, &data);
      fields.emplace();
      BsonDoc::FromBytes(data, len, &*fields);
    }
  }
  bson_error_t e;
  const bson_t* reply = nullptr;
  if (mongoc_cursor_error_document(cursor.get(), &e, &reply)) {
    diagnostics->push_back(
        DriverError(e, reply, std::format("listCollections on {}", mongoc_database_get_name(db))));
  }
  return fields;
}

// path -> entry of an encryptedFields document.
std::map<std::string, BsonDoc> EntriesByPath(const bson_t* efc) {
  std::map<std::string, BsonDoc> out;
  bson_iter_t it, entry;
  if (!bson_iter_init_find(&it, efc, "fields") || !BSON_ITER_HOLDS_ARRAY(&it)) {
    return out;
  }
  bson_iter_recurse(&it, &entry);
  while (bson_iter_next(&entry)) {
    if (!BSON_ITER_HOLDS_DOCUMENT(&entry)) continue;
    uint32_t len = 0;
    const uint8_t* data = nullptr;
    bson_iter_document(&entry, &len, &data);
    BsonDoc doc;
    if (!BsonDoc::FromBytes(data, len, &doc)) continue;
    bson_iter_t path;
    if (bson_iter_init_find(&path, doc.get(), "path") && BSON_ITER_HOLDS_UTF8(&path)) {
      out.emplace(bson_iter_utf8(&path, nullptr), std::move(doc));
    }
  }
  return out;
}

// The queries entries of an encryptedFields entry as a list of documents (a
// dict is a list of one); empty when absent.
std::vector<BsonDoc> QueryList(const bson_t* entry) {
  std::vector<BsonDoc> out;
  bson_iter_t it;
  if (!bson_iter_init_find(&it, entry, "queries")) return out;
  auto add = [&out](const bson_iter_t& item) {
    if (!BSON_ITER_HOLDS_DOCUMENT(&item)) return;
    uint32_t len = 0;
    const uint8_t* data = nullptr;
    bson_iter_document(&item, &len, &data);
    BsonDoc doc;
    if (BsonDoc::FromBytes(data, len, &doc)) out.push_back(std::move(doc));
  };
  if (BSON_ITER_HOLDS_ARRAY(&it)) {
    bson_iter_t item;
    bson_iter_recurse(&it, &item);
    while (bson_iter_next(&item)) add(item);
  } else {
    add(it);
  }
  return out;
}

bool SameValue(const bson_t* a, const bson_t* b, const char* key) {
  bson_iter_t x, y;
  const bool has_a = bson_iter_init_find(&x, a, key);
  const bool has_b = bson_iter_init_find(&y, b, key);
  if (has_a != has_b) return false;
  return !has_a || schema::BsonValuesEquivalent(x, y);
}

// True if the server's encryptedFields describe the schema's: the same paths
// with the same keyIds and bsonTypes, and every query option the schema
// declares with the same value (the server lists defaults it filled in, such
// as contention 8, which the schema may leave out).
bool SameEncryptedFields(const bson_t* server, const bson_t* ours) {
  std::map<std::string, BsonDoc> a = EntriesByPath(server);
  std::map<std::string, BsonDoc> b = EntriesByPath(ours);
  if (a.size() != b.size()) return false;
  for (const auto& [path, mine] : b) {
    auto it = a.find(path);
    if (it == a.end()) return false;
    const bson_t* theirs = it->second.get();
    if (!SameValue(theirs, mine.get(), "keyId") || !SameValue(theirs, mine.get(), "bsonType")) {
      return false;
    }
    std::vector<BsonDoc> q_ours = QueryList(mine.get());
    std::vector<BsonDoc> q_theirs = QueryList(theirs);
    if (q_ours.size() != q_theirs.size()) return false;
    for (size_t i = 0; i < q_ours.size(); ++i) {
      bson_iter_t key;
      bson_iter_init(&key, q_ours[i].get());
      while (bson_iter_next(&key)) {
        bson_iter_t other;
        if (!bson_iter_init_find(&other, q_theirs[i].get(), bson_iter_key(&key)) ||
            !schema::BsonValuesEquivalent(key, other)) {
          return false;
        }
      }
    }
  }
  return true;
}

class Migration {
 public:
  Migration(const ClientOptions& options, MigrateResult* result)
      : options_(options), schema_(*options.schema), result_(result) {}

  void Run();

 private:
  bool Connect();
  bool MakeKeys(std::map<std::string, crypt::KeyId, std::less<>>* ids);
  void MakeCollections();

  const ClientOptions& options_;
  const schema::Schema& schema_;
  MigrateResult* result_;
  MongocPtr<mongoc_uri_t> uri_;
  MongocPtr<mongoc_client_t> client_;
  std::string kv_db_, kv_coll_;
};

bool Migration::Connect() {
  bson_error_t e;
  uri_.reset(mongoc_uri_new_with_error(options_.uri.c_str(), &e));
  if (uri_ == nullptr) {
    result_->diagnostics.push_back(
        ConfigurationDiagnostic("exec.uri", std::format("Invalid MongoDB URI: {}", e.message)));
    return false;
  }
  const std::string ns = options_.key_vault_namespace.empty() ? schema_.key_vault_namespace
                                                              : options_.key_vault_namespace;
  if (!SplitNamespace(ns, &kv_db_, &kv_coll_)) {
    result_->diagnostics.push_back(ConfigurationDiagnostic(
        "exec.key_vault_namespace",
        std::format("The key vault namespace '{}' is not <database>.<collection>", ns)));
    return false;
  }
  client_.reset(mongoc_client_new_from_uri_with_error(uri_.get(), &e));
  if (client_ == nullptr) {
    result_->diagnostics.push_back(
        ConfigurationDiagnostic("exec.uri", std::format("cannot create a client: {}", e.message)));
    return false;
  }
  mongoc_client_set_error_api(client_.get(), MONGOC_ERROR_API_VERSION_2);
  return true;
}

bool Migration::MakeKeys(std::map<std::string, crypt::KeyId, std::less<>>* ids) {
  Diagnostics& diagnostics = result_->diagnostics;
  std::optional<std::string> provider = ChooseProvider(options_, &diagnostics);
  if (!provider) return false;
  if (!CreateKeyVaultIndex(client_.get(), kv_db_, kv_coll_, &diagnostics)) {
    return false;
  }
  // Keys the schema names by id (its encrypted_fields_map) must exist.
  crypt::KeyQuery by_id;
  for (const auto& model : schema_.models) {
    for (const schema::EncryptedPath& path : model->encrypted_paths) {
      if (path.key.key_id) by_id.ids.push_back(*path.key.key_id);
    }
  }
  if (!by_id.ids.empty()) {
    absl::StatusOr<std::vector<BsonDoc>> found = FindKeys(client_.get(), kv_db_, kv_coll_, by_id);
    if (!found.ok()) {
      diagnostics.push_back(DatabaseError("exec.key_vault", std::string(found.status().message())));
      return false;
    }
    std::vector<crypt::KeyId> present;
    for (const BsonDoc& doc : *found) {
      auto info = crypt::InspectKeyDocument(doc.get());
      if (info.ok()) present.push_back(info->id);
    }
    for (const crypt::KeyId& id : by_id.ids) {
      if (std::find(present.begin(), present.end(), id) != present.end()) {
        continue;
      }
      diagnostics.push_back(ConfigurationDiagnostic(
          "exec.key_not_found",
          std::format("Encryption key {} (from encrypted_fields_map) is not in "
                      "the key vault {}.{}",
                      crypt::KeyIdToString(id), kv_db_, kv_coll_)));
    }
    if (!diagnostics.empty()) return false;
  }
  const std::vector<std::string> names = UnresolvedAltNames(schema_);
  if (names.empty()) return true;
  crypt::KeyQuery by_name;
  by_name.alt_names = names;
  absl::StatusOr<std::vector<BsonDoc>> found = FindKeys(client_.get(), kv_db_, kv_coll_, by_name);
  if (!found.ok()) {
    diagnostics.push_back(DatabaseError("exec.key_vault", std::string(found.status().message())));
    return false;
  }
  for (const BsonDoc& doc : *found) {
    auto info = crypt::InspectKeyDocument(doc.get());
    if (!info.ok()) continue;
    for (const std::string& name : info->alt_names) (*ids)[name] = info->id;
  }
  // The keys still missing, made through the driver: it unwraps with any KMS
  // provider (aws, azure, gcp, kmip need the network) and inserts the key
  // with writeConcern majority.
  MongocPtr<mongoc_client_encryption_opts_t> opts(mongoc_client_encryption_opts_new());
  mongoc_client_encryption_opts_set_keyvault_client(opts.get(), client_.get());
  mongoc_client_encryption_opts_set_keyvault_namespace(opts.get(), kv_db_.c_str(),
                                                       kv_coll_.c_str());
  mongoc_client_encryption_opts_set_kms_providers(opts.get(),
                                                  options_.kms_providers.document().get());
  if (!options_.kms_tls_options.empty()) {
    mongoc_client_encryption_opts_set_tls_opts(opts.get(), options_.kms_tls_options.get());
  }
  MongocPtr<mongoc_client_encryption_t> ce;
  for (const std::string& name : names) {
    if (ids->contains(name)) continue;
    if (ce == nullptr) {
      bson_error_t e;
      ce.reset(mongoc_client_encryption_new(opts.get(), &e));
      if (ce == nullptr) {
        diagnostics.push_back(ConfigurationDiagnostic(
            "exec.kms_providers", std::format("cannot create data keys: {}", e.message)));
        return false;
      }
    }
    std::optional<crypt::KeyId> id =
        CreateDataKey(ce.get(), *provider, options_.master_key, name, &diagnostics);
    if (!id) return false;
    (*ids)[name] = *id;
    result_->actions.push_back(
        std::format("created data key '{}' ({})", name, crypt::KeyIdToString(*id)));
  }
  return true;
}

void Migration::MakeCollections() {
  MongocPtr<mongoc_database_t> db(
      mongoc_client_get_database(client_.get(), schema_.database.c_str()));
  struct Plan {
    std::string name;
    std::string ns;
    std::optional<BsonDoc> encrypted_fields;  // the schema's, with keyIds
  };
  std::vector<Plan> to_create;
  // First every collection is checked, so that a mismatch leaves the database
  // as it was rather than half migrated.
  for (const auto& model : schema_.models) {
    // Django's migrate creates the managed, concrete models' collections.
    if (model->embedded || !model->managed) continue;
    Plan plan{model->db_table, std::format("{}.{}", schema_.database, model->db_table),
              std::nullopt};
    bson_iter_t it;
    if (bson_iter_init_find(&it, result_->encrypted_fields_map.get(), plan.ns.c_str()) &&
        BSON_ITER_HOLDS_DOCUMENT(&it)) {
      uint32_t len = 0;
      const uint8_t* data = nullptr;
      bson_iter_document(&it, &len, &data);
      plan.encrypted_fields.emplace();
      if (!BsonDoc::FromBytes(data, len, &*plan.encrypted_fields)) {
        plan.encrypted_fields.reset();
      }
    }
    const bson_t* ours = plan.encrypted_fields ? plan.encrypted_fields->get() : nullptr;
    bool exists = false;
    const size_t before = result_->diagnostics.size();
    std::optional<BsonDoc> theirs =
        ExistingEncryptedFields(db.get(), plan.name, &exists, &result_->diagnostics);
    if (result_->diagnostics.size() != before) return;
    if (!exists) {
      to_create.push_back(std::move(plan));
    } else if (ours == nullptr && !theirs) {
      result_->actions.push_back(std::format("collection {} exists", plan.ns));
    } else if (ours != nullptr && theirs && SameEncryptedFields(theirs->get(), ours)) {
      result_->actions.push_back(std::format("collection {} is up to date", plan.ns));
    } else {
      result_->diagnostics.push_back(ConfigurationDiagnostic(
          "exec.encrypted_fields_mismatch",
          std::format("Collection '{}' exists with encryptedFields {}, but the schema "
                      "gives {}. MongoDB cannot change the encrypted fields of an "
                      "existing collection: drop it, or migrate into a new one.",
                      plan.ns, theirs ? ToRelaxedJson(theirs->get()) : "none",
                      ours != nullptr ? ToRelaxedJson(ours) : "none")));
    }
  }
  if (!result_->diagnostics.empty()) return;
  for (const Plan& plan : to_create) {
    BsonDoc opts;
    if (plan.encrypted_fields) {
      BSON_APPEND_DOCUMENT(opts.get(), "encryptedFields", plan.encrypted_fields->get());
    }
    bson_error_t e;
    MongocPtr<mongoc_collection_t> created(
        mongoc_database_create_collection(db.get(), plan.name.c_str(), opts.get(), &e));
    if (created == nullptr) {
      result_->diagnostics.push_back(
          DriverError(e, nullptr, std::format("creating the collection {}", plan.ns)));
      return;
    }
    result_->actions.push_back(std::format("created collection {}{}", plan.ns,
                                           plan.encrypted_fields ? " with encryptedFields" : ""));
  }
}

void Migration::Run() {
  if (!Connect()) return;
  if (schema_.has_encrypted_fields()) {
    std::map<std::string, crypt::KeyId, std::less<>> ids;
    if (!MakeKeys(&ids)) return;
    result_->encrypted_fields_map = ResolvedEncryptedFieldsMap(schema_, ids, &result_->diagnostics);
    if (!result_->diagnostics.empty()) return;
  }
  MakeCollections();
}

}  // namespace

MigrateResult Migrate(const ClientOptions& options) {
  MigrateResult result;
  if (options.schema == nullptr) {
    result.diagnostics.push_back(ConfigurationDiagnostic("exec.no_schema", "no schema to migrate"));
    return result;
  }
  EnsureMongocInitialized();
  Migration(options, &result).Run();
  return result;
}

}  // namespace querysafe::exec
