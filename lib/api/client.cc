// The C++ API's Client, Cursor and Migrate: lib/exec behind the public header (querysafe/
// client.h), with query text compiled for the connected server and every failure a diagnostic.

#include "querysafe/client.h"

#include <exception>
#include <format>
#include <new>
#include <utility>

#include "lib/api/client_options.h"
#include "lib/api/compiled_query.h"
#include "lib/common/bson_util.h"
#include "lib/common/diagnostic_util.h"
#include "lib/crypt/kms_providers.h"
#include "lib/exec/client.h"
#include "lib/exec/cursor.h"
#include "lib/exec/migrate.h"

namespace querysafe {
namespace {

// The catch-all of every entry point: nothing may escape the library, and std::bad_alloc from a
// container is the only exception the stages below can raise.
Diagnostic Internal(const std::exception& e) {
  Diagnostic d;
  d.category = Category::kDatabaseError;
  d.code = "internal.error";
  d.message = std::format("querysafe internal error: {}", e.what());
  return d;
}

// Extended JSON text into `out`; a diagnostic naming `setting` otherwise.
bool ParseSetting(std::string_view setting, const std::string& text, BsonDoc* out,
                  Diagnostics* diagnostics) {
  bson_error_t error;
  if (BsonDoc::FromJson(text, out, &error)) return true;
  diagnostics->push_back(
      ConfigurationDiagnostic(std::format("client.{}", setting),
                              std::format("{} is not a JSON object: {}", setting, error.message)));
  return false;
}

RowShape ToShape(exec::RowKind kind) {
  switch (kind) {
    case exec::RowKind::kTuple:
      return RowShape::kTuple;
    case exec::RowKind::kScalar:
      return RowShape::kScalar;
    case exec::RowKind::kDocument:
      break;
  }
  return RowShape::kDocument;
}

WriteResult ToWriteResult(exec::WriteResult w) {
  WriteResult out;
  out.diagnostics = std::move(w.diagnostics);
  out.count = w.count;
  out.inserted = w.inserted;
  if (out.diagnostics.empty() && !bson_empty(w.id.get())) out.id = Document::Copy(w.id.get());
  return out;
}

}  // namespace

namespace internal {

bool ToExecOptions(const Schema& schema, const ConnectOptions& options, exec::ClientOptions* out,
                   Diagnostics* diagnostics) {
  const size_t before = diagnostics->size();
  if (options.uri.empty()) {
    diagnostics->push_back(
        ConfigurationDiagnostic("client.uri", "a MongoDB connection string is required"));
  }
  out->uri = options.uri;
  out->schema = schema.shared_impl();
  out->key_vault_namespace = options.key_vault_namespace;
  out->kms_provider = options.kms_provider;
  if (options.server_version) {
    out->server_version =
        exec::ServerVersion{options.server_version->major, options.server_version->minor};
  }
  if (!options.local_master_key.empty() && !options.kms_providers.empty()) {
    diagnostics->push_back(ConfigurationDiagnostic(
        "client.kms", "give either a local master key or a KMS providers document, not both"));
  } else if (!options.local_master_key.empty()) {
    absl::StatusOr<crypt::KmsProviders> kms =
        crypt::KmsProviders::FromLocalKeyArgument(options.local_master_key);
    if (kms.ok()) {
      out->kms_providers = *std::move(kms);
    } else {
      diagnostics->push_back(ConfigurationDiagnostic(
          "client.local_master_key",
          std::format("local master key: {}", std::string(kms.status().message()))));
    }
  } else if (!options.kms_providers.empty()) {
    BsonDoc doc;
    if (ParseSetting("kms_providers", options.kms_providers, &doc, diagnostics)) {
      absl::StatusOr<crypt::KmsProviders> kms = crypt::KmsProviders::FromDocument(doc.get());
      if (kms.ok()) {
        out->kms_providers = *std::move(kms);
      } else {
        diagnostics->push_back(ConfigurationDiagnostic(
            "client.kms_providers",
            std::format("kms_providers: {}", std::string(kms.status().message()))));
      }
    }
  } else if (schema.has_encrypted_fields()) {
    diagnostics->push_back(
        ConfigurationDiagnostic("client.kms",
                                "the schema has encrypted fields: a local master key or a "
                                "KMS providers document is required"));
  }
  if (!options.kms_tls_options.empty()) {
    ParseSetting("kms_tls_options", options.kms_tls_options, &out->kms_tls_options, diagnostics);
  }
  if (!options.master_key.empty()) {
    ParseSetting("master_key", options.master_key, &out->master_key, diagnostics);
  }
  return diagnostics->size() == before;
}

}  // namespace internal

// ---- Document ----

Document Document::Copy(const bson_t* doc) {
  Document out;
  if (doc == nullptr) return out;
  bson_t* copy = bson_copy(doc);
  if (copy == nullptr) throw std::bad_alloc();
  out.doc_ = std::shared_ptr<const void>(
      copy, [](const void* b) { bson_destroy(static_cast<bson_t*>(const_cast<void*>(b))); });
  return out;
}

// ---- Cursor ----

struct Cursor::State {
  std::unique_ptr<exec::Cursor> cursor;
  BsonDoc row;
  std::optional<Diagnostic> error;  // what the exec cursor could not record (memory ran out)
};

Cursor::Cursor(std::unique_ptr<State> state) : state_(std::move(state)) {}
Cursor::~Cursor() = default;

const bson_t* Cursor::Next() {
  if (state_->error) return nullptr;
  try {
    if (state_->cursor->Next(&state_->row)) return state_->row.get();
  } catch (const std::exception& e) {
    state_->error = Internal(e);
  }
  return nullptr;
}

const std::optional<Diagnostic>& Cursor::error() const {
  return state_->error ? state_->error : state_->cursor->error();
}

RowShape Cursor::shape() const { return ToShape(state_->cursor->row_kind()); }

// ---- Client ----

Client::Client(Schema schema, std::unique_ptr<exec::Client> impl, std::string time_zone)
    : schema_(std::move(schema)), time_zone_(std::move(time_zone)), impl_(std::move(impl)) {}
Client::~Client() = default;

ClientResult Client::Connect(const Schema& schema, const ConnectOptions& options) {
  ClientResult result;
  try {
    // Checked before connecting: every query Run(text) compiles would be refused.
    if (std::optional<Diagnostic> d = CheckTimeZone(options.time_zone)) {
      result.diagnostics = {*std::move(d)};
      return result;
    }
    exec::ClientOptions exec_options;
    if (!internal::ToExecOptions(schema, options, &exec_options, &result.diagnostics)) {
      return result;
    }
    exec::ConnectResult c = exec::Client::Connect(std::move(exec_options));
    if (!c.ok()) {
      result.diagnostics = std::move(c.diagnostics);
      return result;
    }
    result.client.reset(new Client(schema, std::move(c.client), options.time_zone));
  } catch (const std::exception& e) {
    result.diagnostics = {Internal(e)};
  }
  return result;
}

ServerVersion Client::server_version() const {
  const exec::ServerVersion& v = impl_->server_version();
  return ServerVersion{v.major, v.minor};
}

CompileOptions Client::compile_options() const {
  CompileOptions options;
  options.server_version = server_version();
  options.require_encryptable = true;
  options.time_zone = time_zone_;
  return options;
}

RunResult Client::Run(const Translation& translation) const {
  RunResult out;
  try {
    exec::Result r = impl_->Run(translation.impl().command);
    out.diagnostics = std::move(r.diagnostics);
    if (!out.diagnostics.empty()) return out;
    out.shape = ToShape(r.row_kind);
    out.count = r.count;
    out.exists = r.exists;
    if (r.rows != nullptr) {
      auto state = std::make_unique<Cursor::State>();
      state->cursor = std::move(r.rows);
      out.rows.reset(new Cursor(std::move(state)));
    } else if (!r.count && !r.exists) {
      out.returned_document = true;
      if (r.document) out.document = Document::Copy(r.document->get());
    }
  } catch (const std::exception& e) {
    out = RunResult{};
    out.diagnostics = {Internal(e)};
  }
  return out;
}

RunResult Client::Run(std::string_view text, const bson_t& params) const {
  TranslateResult t = Translate(schema_, text, params, compile_options());
  if (!t.ok()) {
    RunResult out;
    out.diagnostics = std::move(t.diagnostics);
    return out;
  }
  return Run(*t.translation);
}

RunResult Client::Run(std::string_view text) const {
  BsonDoc empty;
  return Run(text, *empty.get());
}

WriteResult Client::Insert(std::string_view model, const bson_t& values) const {
  try {
    return ToWriteResult(impl_->Insert(model, &values));
  } catch (const std::exception& e) {
    WriteResult out;
    out.diagnostics = {Internal(e)};
    return out;
  }
}

WriteResult Client::Save(std::string_view model, const bson_t& values) const {
  try {
    return ToWriteResult(impl_->Save(model, &values));
  } catch (const std::exception& e) {
    WriteResult out;
    out.diagnostics = {Internal(e)};
    return out;
  }
}

WriteResult Client::Delete(std::string_view model, const bson_value_t& pk) const {
  try {
    return ToWriteResult(impl_->Delete(model, pk));
  } catch (const std::exception& e) {
    WriteResult out;
    out.diagnostics = {Internal(e)};
    return out;
  }
}

// ---- Migrate ----

MigrateResult Migrate(const Schema& schema, const ConnectOptions& options) {
  MigrateResult out;
  try {
    exec::ClientOptions exec_options;
    if (!internal::ToExecOptions(schema, options, &exec_options, &out.diagnostics)) return out;
    exec::MigrateResult m = exec::Migrate(exec_options);
    out.diagnostics = std::move(m.diagnostics);
    out.actions = std::move(m.actions);
    out.encrypted_fields_map = ToCanonicalJson(m.encrypted_fields_map.get());
  } catch (const std::exception& e) {
    out = MigrateResult{};
    out.diagnostics = {Internal(e)};
  }
  return out;
}

}  // namespace querysafe
