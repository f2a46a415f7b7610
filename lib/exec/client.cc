// Connect and the read path: encrypt, send, read the reply as the query's
// operation asks. Writes are in writes.cc.
#include "lib/exec/client.h"

#include <format>
#include <span>

#include "lib/analyze/rules/server_rules.h"
#include "lib/common/bson_array.h"
#include "lib/common/diagnostic_util.h"
#include "lib/crypt/failure.h"
#include "lib/crypt/substitute.h"

namespace querysafe::exec {

using bound::Operation;

namespace {

std::string ModelLabel(const schema::Schema& schema, const schema::Model& model) {
  return schema.app_label.empty() ? model.name : std::format("{}.{}", schema.app_label, model.name);
}

std::string ModelName(const schema::Schema& schema, std::string_view table) {
  const schema::Model* model = schema.FindModelByTable(table);
  return model != nullptr ? model->name : std::string(table);
}

// The ServerVersion of the server `client` selects for reads.
std::optional<ServerVersion> HandshakeVersion(mongoc_client_t* client, Diagnostic* error) {
  bson_error_t e;
  MongocPtr<mongoc_server_description_t> sd(
      mongoc_client_select_server(client, false, nullptr, &e));
  if (sd == nullptr) {
    *error = DriverError(e, nullptr, "connecting to the server");
    return std::nullopt;
  }
  const bson_t* hello = mongoc_server_description_hello_response(sd.get());
  bson_iter_t it;
  int64_t wire = 0;
  if (hello == nullptr || !bson_iter_init_find(&it, hello, "maxWireVersion") ||
      !IterInt64(it, &wire)) {
    *error = MalformedReply("the handshake reply has no maxWireVersion");
    return std::nullopt;
  }
  std::optional<ServerVersion> version = common::ServerVersionFromWire(static_cast<int32_t>(wire));
  if (!version) {
    *error = DatabaseError(
        "exec.server_version",
        std::format("the server's maxWireVersion {} is older than MongoDB 4.2", wire));
  }
  return version;
}

// What the server refuses on a collection with encrypted fields, refused
// before sending (the server's codes and words, fle_crud.cpp and query
// analysis).
std::optional<Diagnostic> CheckUpdate(const bson_t* command) {
  auto refuse = [](const analyze::rules::ServerRule& rule) {
    Diagnostic d;
    d.category = Category::kNotSupportedError;
    d.code = std::string(rule.code);
    d.message = std::string(rule.message);
    d.server_code = rule.server_code;
    return d;
  };
  bson_iter_t it, statement;
  if (!bson_iter_init_find(&it, command, "updates") || !BSON_ITER_HOLDS_ARRAY(&it)) {
    return std::nullopt;
  }
  bson_iter_recurse(&it, &statement);
  int count = 0;
  while (bson_iter_next(&statement)) {
    if (++count > 1) {
      return refuse(analyze::rules::kMultipleUpdateStatements);
    }
    if (!BSON_ITER_HOLDS_DOCUMENT(&statement)) continue;
    bson_iter_t field;
    bson_iter_recurse(&statement, &field);
    while (bson_iter_next(&field)) {
      const std::string_view key = bson_iter_key(&field);
      if (key == "multi" && bson_iter_as_bool(&field)) {
        return refuse(analyze::rules::kMultiDocumentUpdate);
      }
      if (key == "u" && BSON_ITER_HOLDS_ARRAY(&field)) {
        return refuse(analyze::rules::kPipelineUpdate);
      }
    }
  }
  return std::nullopt;
}

// mongoc reads a cursor reply leniently (a cursor id that is not a number is
// taken as 0: an exhausted cursor, and a broken reply would look like no rows),
// so the shape is checked first: {cursor: {id: <int>, firstBatch: [...]}}.
std::optional<Diagnostic> CheckCursorReply(const bson_t* reply, std::string_view doing) {
  bson_iter_t it, cursor;
  if (!bson_iter_init_find(&it, reply, "cursor") || !BSON_ITER_HOLDS_DOCUMENT(&it)) {
    return MalformedReply(std::format("{}: the reply has no cursor", doing));
  }
  bson_iter_recurse(&it, &cursor);
  bool id = false, batch = false;
  while (bson_iter_next(&cursor)) {
    const std::string_view key = bson_iter_key(&cursor);
    if (key == "id") {
      id = BSON_ITER_HOLDS_INT64(&cursor) || BSON_ITER_HOLDS_INT32(&cursor);
    } else if (key == "firstBatch") {
      batch = BSON_ITER_HOLDS_ARRAY(&cursor);
    }
  }
  if (!id) {
    return MalformedReply(std::format("{}: the cursor id is not an integer", doing));
  }
  if (!batch) {
    return MalformedReply(std::format("{}: the cursor's firstBatch is not an array", doing));
  }
  return std::nullopt;
}

}  // namespace

std::vector<std::string> UnresolvedAltNames(const schema::Schema& schema) {
  std::vector<std::string> names;
  for (const auto& model : schema.models) {
    // As EncryptedFieldsMap(): unmanaged models are not migrated.
    if (model->embedded || !model->managed) continue;
    for (const schema::EncryptedPath& path : model->encrypted_paths) {
      if (!path.key.key_id) names.push_back(path.key.key_alt_name);
    }
  }
  return names;
}

BsonDoc ResolvedEncryptedFieldsMap(const schema::Schema& schema,
                                   const std::map<std::string, crypt::KeyId, std::less<>>& ids,
                                   Diagnostics* diagnostics) {
  BsonDoc by_table = schema.EncryptedFieldsMap();
  BsonDoc out;
  bson_iter_t table;
  bson_iter_init(&table, by_table.get());
  while (bson_iter_next(&table)) {
    const std::string_view name = bson_iter_key(&table);
    const schema::Model* model = schema.FindModelByTable(name);
    const std::string ns = std::format("{}.{}", schema.database, name);
    bson_t collection, fields;
    bson_append_document_begin(out.get(), ns.c_str(), -1, &collection);
    querysafe::AppendArrayBegin(&collection, "fields", -1, &fields);
    bson_iter_t config, entries;
    bson_iter_recurse(&table, &config);
    if (bson_iter_find(&config, "fields") && BSON_ITER_HOLDS_ARRAY(&config)) {
      bson_iter_recurse(&config, &entries);
      while (bson_iter_next(&entries)) {
        bson_t entry;
        bson_iter_t field;
        bson_append_document_begin(&fields, bson_iter_key(&entries), -1, &entry);
        bson_iter_recurse(&entries, &field);
        while (bson_iter_next(&field)) {
          if (std::string_view(bson_iter_key(&field)) != "keyAltName") {
            bson_append_iter(&entry, nullptr, 0, &field);
            continue;
          }
          const std::string_view alt = bson_iter_utf8(&field, nullptr);
          auto id = ids.find(alt);
          if (id != ids.end()) {
            bson_append_binary(&entry, "keyId", 5, BSON_SUBTYPE_UUID, id->second.data(), 16);
            continue;
          }
          diagnostics->push_back(ConfigurationDiagnostic(
              "exec.key_not_found",
              std::format("Encryption key '{}' not found. Have you migrated "
                          "the {} model?",
                          alt, model != nullptr ? ModelLabel(schema, *model) : std::string(name))));
        }
        bson_append_document_end(&fields, &entry);
      }
    }
    bson_append_array_end(&collection, &fields);
    bson_append_document_end(out.get(), &collection);
  }
  return out;
}

Client::Client(ClientOptions options) : options_(std::move(options)) {}

Client::~Client() {
  // The encryptor reads keys through the plain pool: it goes first.
  encryptor_.reset();
  encrypted_.reset();
  key_vault_.reset();
  plain_.reset();
}

ConnectResult Client::Connect(ClientOptions options) {
  ConnectResult result;
  auto fail = [&result](Diagnostic d) {
    result.diagnostics.push_back(std::move(d));
    return std::move(result);
  };
  if (options.schema == nullptr) {
    return fail(ConfigurationDiagnostic("exec.no_schema", "no schema to connect with"));
  }
  EnsureMongocInitialized();
  std::unique_ptr<Client> client(new Client(std::move(options)));
  const ClientOptions& o = client->options_;
  const schema::Schema& schema = *o.schema;

  bson_error_t e;
  client->uri_.reset(mongoc_uri_new_with_error(o.uri.c_str(), &e));
  if (client->uri_ == nullptr) {
    return fail(
        ConfigurationDiagnostic("exec.uri", std::format("Invalid MongoDB URI: {}", e.message)));
  }
  const std::string ns =
      o.key_vault_namespace.empty() ? schema.key_vault_namespace : o.key_vault_namespace;
  if (!SplitNamespace(ns, &client->key_vault_database_, &client->key_vault_collection_)) {
    return fail(ConfigurationDiagnostic(
        "exec.key_vault_namespace",
        std::format("The key vault namespace '{}' is not <database>.<collection>", ns)));
  }
  client->plain_.reset(mongoc_client_pool_new_with_error(client->uri_.get(), &e));
  if (client->plain_ == nullptr) {
    return fail(
        ConfigurationDiagnostic("exec.uri", std::format("cannot create a client: {}", e.message)));
  }
  mongoc_client_pool_set_error_api(client->plain_.get(), MONGOC_ERROR_API_VERSION_2);
  client->key_vault_ = std::make_shared<KeyVaultCollection>(
      client->plain_.get(), client->key_vault_database_, client->key_vault_collection_);

  const bool encrypted = schema.has_encrypted_fields();
  if (encrypted) {
    std::map<std::string, crypt::KeyId, std::less<>> ids;
    const std::vector<std::string> names = UnresolvedAltNames(schema);
    if (!names.empty()) {
      auto found = client->key_vault_->ResolveAltNames(names);
      if (!found.ok()) {
        return fail(DatabaseError("exec.key_vault", std::string(found.status().message())));
      }
      ids = *std::move(found);
    }
    client->encrypted_fields_map_ = ResolvedEncryptedFieldsMap(schema, ids, &result.diagnostics);
    if (!result.diagnostics.empty()) return result;

    // querysafe encrypts values itself, so it makes the KMS round trips for
    // keys under aws/azure/gcp/kmip master keys, with the TLS options the
    // driver gets for the reads it decrypts.
    auto tls = crypt::KmsTransport::ParseTlsOptions(
        o.kms_tls_options.empty() ? nullptr : o.kms_tls_options.get());
    if (!tls.ok()) {
      return fail(
          ConfigurationDiagnostic("exec.kms_tls_options", std::string(tls.status().message())));
    }
    auto transport = crypt::KmsTransport::Create({.tls = *std::move(tls)});
    if (!transport.ok()) {
      return fail(ConfigurationDiagnostic("exec.kms_tls_options",
                                          std::string(transport.status().message())));
    }
    crypt::EncryptorOptions encryptor_options;
    encryptor_options.kms_providers = o.kms_providers;
    encryptor_options.key_source = client->key_vault_;
    encryptor_options.kms_transport = *std::move(transport);
    absl::StatusOr<std::unique_ptr<crypt::Encryptor>> encryptor =
        crypt::Encryptor::Create(std::move(encryptor_options));
    if (!encryptor.ok()) {
      return fail(
          ConfigurationDiagnostic("exec.kms_providers", std::string(encryptor.status().message())));
    }
    client->encryptor_ = *std::move(encryptor);
  }

  AutoEncryptionSettings settings;
  settings.enabled = encrypted;
  settings.key_vault_database = client->key_vault_database_;
  settings.key_vault_collection = client->key_vault_collection_;
  settings.kms_providers = o.kms_providers.document();
  settings.kms_tls_options = o.kms_tls_options;
  settings.encrypted_fields_map = client->encrypted_fields_map_;
  Diagnostic error;
  client->encrypted_ = EncryptedClients::Create(client->uri_.get(), std::move(settings), &error);
  if (client->encrypted_ == nullptr) return fail(std::move(error));

  {
    EncryptedClients::Lease lease = client->encrypted_->Acquire(&error);
    if (!lease) return fail(std::move(error));
    std::optional<ServerVersion> version = HandshakeVersion(lease.get(), &error);
    if (!version) return fail(std::move(error));
    if (encrypted && version->max_wire_version < common::kMinQeWireVersion) {
      return fail(ConfigurationDiagnostic(
          "exec.server_version", std::format("Queryable Encryption needs MongoDB 7.0 or later; the "
                                             "server is MongoDB {} (maxWireVersion {})",
                                             version->ToString(), version->max_wire_version)));
    }
    client->server_version_ = *version;
  }
  if (client->options_.server_version) {
    client->server_version_ = *client->options_.server_version;
  }
  result.client = std::move(client);
  return result;
}

std::optional<BsonDoc> Client::Finish(const bson_t* command,
                                      std::span<const lower::EncryptionRequest> requests,
                                      Diagnostics* diagnostics) const {
  absl::StatusOr<BsonDoc> finished = encryptor_ != nullptr
                                         ? encryptor_->FinishCommand(command, requests)
                                         : crypt::SubstitutePlaceholders(command, {});
  if (finished.ok()) return *std::move(finished);
  if (std::optional<Diagnostic> d = crypt::DiagnosticFromStatus(finished.status())) {
    diagnostics->push_back(*std::move(d));
  } else {
    diagnostics->push_back(
        DatabaseError("exec.encryption", std::string(finished.status().message())));
  }
  return std::nullopt;
}

Result Client::Run(const lower::Command& command) const {
  Result result;
  if (command.kind == lower::CommandKind::kUpdate && options_.schema->has_encrypted_fields()) {
    if (std::optional<Diagnostic> d = CheckUpdate(command.body.get())) {
      result.diagnostics.push_back(*std::move(d));
      return result;
    }
  }
  std::optional<BsonDoc> finished =
      Finish(command.body.get(), command.encryptions, &result.diagnostics);
  if (!finished) return result;
  const std::string ns = std::format("{}.{}", command.database, command.collection);
  switch (command.kind) {
    case lower::CommandKind::kUpdate:
    case lower::CommandKind::kDelete:
      result.count = Write(command.database, finished->get(),
                           std::format("{} on {}", lower::CommandKindName(command.kind), ns),
                           &result.diagnostics);
      return result;
    case lower::CommandKind::kFind:
    case lower::CommandKind::kAggregate:
    case lower::CommandKind::kCount:
      return Read(command, finished->get());
  }
  return result;
}

Result Client::Read(const lower::Command& command, const bson_t* finished) const {
  Result result;
  const std::string ns = std::format("{}.{}", command.database, command.collection);
  const std::string doing = std::format("{} on {}", lower::CommandKindName(command.kind), ns);
  Diagnostic error;
  EncryptedClients::Lease lease = encrypted_->Acquire(&error);
  if (!lease) {
    result.diagnostics.push_back(std::move(error));
    return result;
  }
  mongoc_client_t* client = lease.get();
  bson_error_t e;
  // getMore must go to the server that made the cursor, in the same session.
  MongocPtr<mongoc_server_description_t> sd(
      mongoc_client_select_server(client, false, nullptr, &e));
  if (sd == nullptr) {
    result.diagnostics.push_back(DriverError(e, nullptr, doing));
    return result;
  }
  BsonDoc opts;
  BSON_APPEND_INT32(opts.get(), "serverId",
                    static_cast<int32_t>(mongoc_server_description_id(sd.get())));
  MongocPtr<mongoc_client_session_t> session;
  if (command.kind != lower::CommandKind::kCount) {
    // A server without sessions (none advertised) runs the cursor without.
    session.reset(mongoc_client_start_session(client, nullptr, &e));
    if (session != nullptr && !mongoc_client_session_append(session.get(), opts.get(), &e)) {
      result.diagnostics.push_back(DriverError(e, nullptr, doing));
      return result;
    }
  }
  Reply reply;
  if (!mongoc_client_read_command_with_opts(client, command.database.c_str(), finished, nullptr,
                                            opts.get(), reply.uninitialized(), &e)) {
    result.diagnostics.push_back(DriverError(e, reply.get(), doing));
    return result;
  }
  if (command.kind == lower::CommandKind::kCount) {
    bson_iter_t it;
    int64_t n = 0;
    if (!bson_iter_init_find(&it, reply.get(), "n") || !IterInt64(it, &n)) {
      result.diagnostics.push_back(
          MalformedReply(std::format("{} replied without a numeric 'n'", doing)));
      return result;
    }
    result.count = n;
    return result;
  }
  if (std::optional<Diagnostic> d = CheckCursorReply(reply.get(), doing)) {
    result.diagnostics.push_back(*std::move(d));
    return result;
  }
  MongocPtr<mongoc_cursor_t> mcursor(
      mongoc_cursor_new_from_command_reply_with_opts(client, reply.Release(), opts.get()));
  RowShaper shaper(command);
  result.row_kind = shaper.kind();
  auto cursor = std::make_unique<Cursor>(std::move(lease), std::move(session), std::move(mcursor),
                                         std::move(shaper), ns,
                                         SchemaEnforcer::For(*options_.schema, command));
  // Reads the first row (or none); false with a diagnostic on an error.
  auto first = [&](std::optional<BsonDoc>* row) {
    BsonDoc doc;
    if (cursor->Next(&doc)) {
      *row = std::move(doc);
      return true;
    }
    if (cursor->error()) {
      result.diagnostics.push_back(*cursor->error());
      return false;
    }
    return true;
  };
  switch (command.operation) {
    case Operation::kGet: {
      int64_t count = 0;
      for (BsonDoc row; cursor->Next(&row); ++count) {
        if (count == 0) result.document = row;
      }
      if (cursor->error()) {
        result.diagnostics.push_back(*cursor->error());
      } else if (count == 0) {
        result.document.reset();
        result.diagnostics.push_back(DoesNotExist(ModelName(*options_.schema, command.collection)));
      } else if (count > 1) {
        result.document.reset();
        result.diagnostics.push_back(
            MultipleObjectsReturned(ModelName(*options_.schema, command.collection), count));
      }
      return result;
    }
    case Operation::kFirst:
    case Operation::kLast:
      first(&result.document);
      return result;
    case Operation::kExists: {
      std::optional<BsonDoc> row;
      if (first(&row)) result.exists = row.has_value();
      return result;
    }
    case Operation::kCount: {
      // An aggregate ending in {$count: "n"}: no row at all for zero.
      std::optional<BsonDoc> row;
      if (!first(&row)) return result;
      int64_t n = 0;
      bson_iter_t it;
      if (row && (!bson_iter_init_find(&it, row->get(), "n") || !IterInt64(it, &n))) {
        result.diagnostics.push_back(
            MalformedReply(std::format("{}: the $count row has no numeric 'n'", doing)));
        return result;
      }
      result.count = n;
      return result;
    }
    case Operation::kAggregate:
      if (first(&result.document) && !result.document) {
        result.document = EmptyAggregateRow(command.body.get());
      }
      return result;
    default:
      result.rows = std::move(cursor);
      return result;
  }
}

std::optional<int64_t> Client::Write(std::string_view database, const bson_t* command,
                                     std::string_view doing, Diagnostics* diagnostics) const {
  Diagnostic error;
  EncryptedClients::Lease lease = encrypted_->Acquire(&error);
  if (!lease) {
    diagnostics->push_back(std::move(error));
    return std::nullopt;
  }
  const std::string db(database);
  bson_error_t e;
  Reply reply;
  if (!mongoc_client_write_command_with_opts(lease.get(), db.c_str(), command, nullptr,
                                             reply.uninitialized(), &e)) {
    diagnostics->push_back(DriverError(e, reply.get(), doing));
    return std::nullopt;
  }
  if (std::optional<Diagnostic> d = WriteError(reply.get())) {
    diagnostics->push_back(*std::move(d));
    return std::nullopt;
  }
  bson_iter_t it;
  int64_t n = 0;
  if (!bson_iter_init_find(&it, reply.get(), "n") || !IterInt64(it, &n)) {
    diagnostics->push_back(MalformedReply(std::format("{} replied without a numeric 'n'", doing)));
    return std::nullopt;
  }
  return n;
}

}  // namespace querysafe::exec
