// C API: schemas.

#include <memory>

#include "lib/capi/handles.h"
#include "lib/capi/status.h"

using querysafe::capi::Guard;
using querysafe::capi::Invalid;

extern "C" {

int querysafe_schema_from_json(querysafe_schema** out, const char* json, ptrdiff_t length,
                               const querysafe_schema_options* options, querysafe_error* error) {
  constexpr char kFunction[] = "querysafe_schema_from_json";
  if (out == nullptr) return Invalid(error, kFunction, "`out` is NULL.");
  *out = nullptr;
  if (json == nullptr) return Invalid(error, kFunction, "`json` is NULL.");
  if (options != nullptr && options->version != QUERYSAFE_SCHEMA_OPTIONS_VERSION) {
    return Invalid(error, kFunction, "unknown querysafe_schema_options version.");
  }
  return Guard(error, kFunction, [&] {
    querysafe::SchemaOptions schema_options;
    if (options != nullptr) {
      schema_options.server_major = options->server_major;
      schema_options.server_minor = options->server_minor;
    }
    const std::string_view text = querysafe::capi::TextArg(json, length);
    querysafe::SchemaResult r = querysafe::Schema::FromJson(text, schema_options);
    if (!r.ok()) {
      return querysafe::capi::Fail(error, QUERYSAFE_EREJECTED, r.diagnostics, text, "schema");
    }
    *out = new querysafe_schema{*r.schema};
    return int{QUERYSAFE_OK};
  });
}

int querysafe_schema_encrypted_fields_map(char** out, const querysafe_schema* schema,
                                          querysafe_error* error) {
  constexpr char kFunction[] = "querysafe_schema_encrypted_fields_map";
  if (out == nullptr) return Invalid(error, kFunction, "`out` is NULL.");
  *out = nullptr;
  if (schema == nullptr) return Invalid(error, kFunction, "`schema` is NULL.");
  return Guard(error, kFunction, [&] {
    *out = querysafe::capi::CopyString(schema->schema.EncryptedFieldsMapJson());
    if (*out == nullptr) throw std::bad_alloc();
    return int{QUERYSAFE_OK};
  });
}

void querysafe_schema_free(querysafe_schema* schema) { delete schema; }

}  // extern "C"
