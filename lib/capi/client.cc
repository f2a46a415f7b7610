// C API: connecting, running queries, writes and migrate (querysafe/client.h underneath).

#include <string>

#include "lib/capi/handles.h"
#include "lib/capi/status.h"

using querysafe::capi::Fail;
using querysafe::capi::Guard;
using querysafe::capi::Invalid;

namespace {

// The C options into the C++ ones; false for an unknown version. NULL strings stay unset.
bool ToConnectOptions(const querysafe_connect_options* in, querysafe::ConnectOptions* out) {
  // Version 1 ends before time_zone: it is not read.
  if (in->version != 1 && in->version != QUERYSAFE_CONNECT_OPTIONS_VERSION) return false;
  auto set = [](const char* from, std::string* to) {
    if (from != nullptr) *to = from;
  };
  set(in->uri, &out->uri);
  set(in->local_master_key, &out->local_master_key);
  set(in->kms_providers, &out->kms_providers);
  set(in->key_vault_namespace, &out->key_vault_namespace);
  set(in->kms_tls_options, &out->kms_tls_options);
  set(in->kms_provider, &out->kms_provider);
  set(in->master_key, &out->master_key);
  if (in->server_major != 0 || in->server_minor != 0) {
    out->server_version = querysafe::ServerVersion{in->server_major, in->server_minor};
  }
  if (in->version >= 2) set(in->time_zone, &out->time_zone);
  return true;
}

// Shared by connect and migrate: NULL checks and the options conversion.
int CheckConnectArgs(const char* function, const querysafe_schema* schema,
                     const querysafe_connect_options* options, querysafe::ConnectOptions* out,
                     querysafe_error* error) {
  if (schema == nullptr) return Invalid(error, function, "`schema` is NULL.");
  if (options == nullptr) return Invalid(error, function, "`options` is NULL.");
  if (!ToConnectOptions(options, out)) {
    return Invalid(error, function, "`options->version` is not QUERYSAFE_CONNECT_OPTIONS_VERSION.");
  }
  return QUERYSAFE_OK;
}

int FinishRun(querysafe_result** out, querysafe::RunResult result, std::string_view text,
              querysafe_error* error) {
  if (!result.ok()) return Fail(error, QUERYSAFE_EREJECTED, result.diagnostics, text, "query");
  *out = new querysafe_result{std::move(result)};
  return QUERYSAFE_OK;
}

// Writes share their ending: the id out-parameter, then the diagnostics.
int FinishWrite(bson_t* out_id, const querysafe::WriteResult& w, querysafe_error* error) {
  if (out_id != nullptr && w.id != nullptr) bson_concat(out_id, w.id.get());
  if (!w.ok()) return Fail(error, QUERYSAFE_EREJECTED, w.diagnostics, {}, "values");
  return QUERYSAFE_OK;
}

}  // namespace

extern "C" {

int querysafe_client_connect(querysafe_client** out, const querysafe_schema* schema,
                             const querysafe_connect_options* options, querysafe_error* error) {
  constexpr char kFunction[] = "querysafe_client_connect";
  if (out == nullptr) return Invalid(error, kFunction, "`out` is NULL.");
  *out = nullptr;
  return Guard(error, kFunction, [&] {
    querysafe::ConnectOptions connect;
    if (int status = CheckConnectArgs(kFunction, schema, options, &connect, error)) return status;
    querysafe::ClientResult c = querysafe::Client::Connect(schema->schema, connect);
    if (!c.ok()) return Fail(error, QUERYSAFE_EREJECTED, c.diagnostics, {}, "connect");
    std::string time_zone = c.client->compile_options().time_zone;
    *out = new querysafe_client{std::move(c.client), std::move(time_zone)};
    return static_cast<int>(QUERYSAFE_OK);
  });
}

int querysafe_client_compile_options(querysafe_compile_options* out,
                                     const querysafe_client* client) {
  if (out == nullptr || client == nullptr) return QUERYSAFE_EINVALID;
  const querysafe::CompileOptions options = client->client->compile_options();
  *out = querysafe_compile_options QUERYSAFE_COMPILE_OPTIONS_INIT;
  out->server_major = options.server_version.major;
  out->server_minor = options.server_version.minor;
  out->require_encryptable = options.require_encryptable ? 1 : 0;
  out->time_zone = client->time_zone.c_str();
  return QUERYSAFE_OK;
}

int querysafe_client_run(querysafe_result** out, const querysafe_client* client,
                         const querysafe_translation* translation, querysafe_error* error) {
  constexpr char kFunction[] = "querysafe_client_run";
  if (out == nullptr) return Invalid(error, kFunction, "`out` is NULL.");
  *out = nullptr;
  if (client == nullptr) return Invalid(error, kFunction, "`client` is NULL.");
  if (translation == nullptr) return Invalid(error, kFunction, "`translation` is NULL.");
  return Guard(error, kFunction, [&] {
    return FinishRun(out, client->client->Run(translation->translation), {}, error);
  });
}

int querysafe_client_run_text(querysafe_result** out, const querysafe_client* client,
                              const char* text, ptrdiff_t length, const bson_t* params,
                              querysafe_error* error) {
  constexpr char kFunction[] = "querysafe_client_run_text";
  if (out == nullptr) return Invalid(error, kFunction, "`out` is NULL.");
  *out = nullptr;
  if (client == nullptr) return Invalid(error, kFunction, "`client` is NULL.");
  if (text == nullptr) return Invalid(error, kFunction, "`text` is NULL.");
  return Guard(error, kFunction, [&] {
    const std::string_view query = querysafe::capi::TextArg(text, length);
    querysafe::RunResult r =
        params != nullptr ? client->client->Run(query, *params) : client->client->Run(query);
    return FinishRun(out, std::move(r), query, error);
  });
}

querysafe_result_kind querysafe_result_kind_of(const querysafe_result* result) {
  if (result == nullptr) return QUERYSAFE_RESULT_ROWS;
  const querysafe::RunResult& r = result->result;
  if (r.count) return QUERYSAFE_RESULT_COUNT;
  if (r.exists) return QUERYSAFE_RESULT_EXISTS;
  if (r.returned_document) return QUERYSAFE_RESULT_DOCUMENT;
  return QUERYSAFE_RESULT_ROWS;
}

querysafe_row_shape querysafe_result_shape(const querysafe_result* result) {
  if (result == nullptr) return QUERYSAFE_ROW_DOCUMENT;
  switch (result->result.shape) {
    case querysafe::RowShape::kTuple:
      return QUERYSAFE_ROW_TUPLE;
    case querysafe::RowShape::kScalar:
      return QUERYSAFE_ROW_SCALAR;
    case querysafe::RowShape::kDocument:
      break;
  }
  return QUERYSAFE_ROW_DOCUMENT;
}

int querysafe_result_next(const bson_t** row, querysafe_result* result, querysafe_error* error) {
  constexpr char kFunction[] = "querysafe_result_next";
  if (row == nullptr) return Invalid(error, kFunction, "`row` is NULL.");
  *row = nullptr;
  if (result == nullptr) return Invalid(error, kFunction, "`result` is NULL.");
  if (result->result.rows == nullptr) return QUERYSAFE_ITEROVER;
  return Guard(error, kFunction, [&] {
    querysafe::Cursor& cursor = *result->result.rows;
    if (const bson_t* next = cursor.Next()) {
      *row = next;
      return static_cast<int>(QUERYSAFE_OK);
    }
    if (cursor.error()) return Fail(error, QUERYSAFE_EREJECTED, {*cursor.error()}, {}, "query");
    return static_cast<int>(QUERYSAFE_ITEROVER);
  });
}

const bson_t* querysafe_result_document(const querysafe_result* result) {
  return result != nullptr ? result->result.document.get() : nullptr;
}

int64_t querysafe_result_count(const querysafe_result* result) {
  return result != nullptr && result->result.count ? *result->result.count : -1;
}

int querysafe_result_exists(const querysafe_result* result) {
  if (result == nullptr || !result->result.exists) return -1;
  return *result->result.exists ? 1 : 0;
}

void querysafe_result_free(querysafe_result* result) { delete result; }

int querysafe_client_insert(bson_t* out_id, const querysafe_client* client, const char* model,
                            const bson_t* values, querysafe_error* error) {
  constexpr char kFunction[] = "querysafe_client_insert";
  if (out_id != nullptr) bson_init(out_id);
  if (client == nullptr) return Invalid(error, kFunction, "`client` is NULL.");
  if (model == nullptr) return Invalid(error, kFunction, "`model` is NULL.");
  if (values == nullptr) return Invalid(error, kFunction, "`values` is NULL.");
  return Guard(error, kFunction,
               [&] { return FinishWrite(out_id, client->client->Insert(model, *values), error); });
}

int querysafe_client_save(bson_t* out_id, int* out_inserted, const querysafe_client* client,
                          const char* model, const bson_t* values, querysafe_error* error) {
  constexpr char kFunction[] = "querysafe_client_save";
  if (out_id != nullptr) bson_init(out_id);
  if (out_inserted != nullptr) *out_inserted = 0;
  if (client == nullptr) return Invalid(error, kFunction, "`client` is NULL.");
  if (model == nullptr) return Invalid(error, kFunction, "`model` is NULL.");
  if (values == nullptr) return Invalid(error, kFunction, "`values` is NULL.");
  return Guard(error, kFunction, [&] {
    querysafe::WriteResult w = client->client->Save(model, *values);
    if (out_inserted != nullptr && w.ok()) *out_inserted = w.inserted ? 1 : 0;
    return FinishWrite(out_id, w, error);
  });
}

int querysafe_client_delete(int64_t* out_count, const querysafe_client* client, const char* model,
                            const bson_value_t* pk, querysafe_error* error) {
  constexpr char kFunction[] = "querysafe_client_delete";
  if (out_count != nullptr) *out_count = 0;
  if (client == nullptr) return Invalid(error, kFunction, "`client` is NULL.");
  if (model == nullptr) return Invalid(error, kFunction, "`model` is NULL.");
  if (pk == nullptr) return Invalid(error, kFunction, "`pk` is NULL.");
  return Guard(error, kFunction, [&] {
    querysafe::WriteResult w = client->client->Delete(model, *pk);
    if (out_count != nullptr && w.ok()) *out_count = w.count;
    return FinishWrite(nullptr, w, error);
  });
}

void querysafe_client_free(querysafe_client* client) { delete client; }

int querysafe_migrate(char** out_map, char** out_actions, const querysafe_schema* schema,
                      const querysafe_connect_options* options, querysafe_error* error) {
  constexpr char kFunction[] = "querysafe_migrate";
  if (out_map != nullptr) *out_map = nullptr;
  if (out_actions != nullptr) *out_actions = nullptr;
  return Guard(error, kFunction, [&] {
    querysafe::ConnectOptions connect;
    if (int status = CheckConnectArgs(kFunction, schema, options, &connect, error)) return status;
    querysafe::MigrateResult m = querysafe::Migrate(schema->schema, connect);
    if (!m.ok()) return Fail(error, QUERYSAFE_EREJECTED, m.diagnostics, {}, "migrate");
    std::string actions;
    for (const std::string& a : m.actions) actions += a + "\n";
    char* map = querysafe::capi::CopyString(m.encrypted_fields_map);
    char* lines = querysafe::capi::CopyString(actions);
    if (map == nullptr || lines == nullptr) {
      querysafe_string_free(map);
      querysafe_string_free(lines);
      return Fail(error, QUERYSAFE_ENOMEM, {});
    }
    if (out_map != nullptr)
      *out_map = map;
    else
      querysafe_string_free(map);
    if (out_actions != nullptr)
      *out_actions = lines;
    else
      querysafe_string_free(lines);
    return static_cast<int>(QUERYSAFE_OK);
  });
}

}  // extern "C"
