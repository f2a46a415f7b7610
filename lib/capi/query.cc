// C API: compiling queries and translating them.

#include <memory>
#include <utility>

#include "lib/capi/handles.h"
#include "lib/capi/status.h"

using querysafe::capi::Fail;
using querysafe::capi::Guard;
using querysafe::capi::Invalid;

namespace querysafe::capi {

// Shared with builder.cc.
bool ToCompileOptions(const querysafe_compile_options* in, CompileOptions* out) {
  if (in == nullptr) return true;
  // Version 1 ends before time_zone: it is not read.
  if (in->version != 1 && in->version != QUERYSAFE_COMPILE_OPTIONS_VERSION) return false;
  out->server_version.major = in->server_major;
  out->server_version.minor = in->server_minor;
  out->require_encryptable = in->require_encryptable != 0;
  out->max_depth = in->max_depth;
  out->max_input_bytes = in->max_input_bytes;
  if (in->version >= 2 && in->time_zone != nullptr) out->time_zone = in->time_zone;
  return true;
}

// Wraps a compiled query in its handle, or fills `error` with the compile diagnostics (spans into
// `text`). Shared with builder.cc.
int FinishCompile(querysafe_query** out, CompileResult result, std::string_view text,
                  querysafe_error* error) {
  if (!result.ok()) return Fail(error, QUERYSAFE_EREJECTED, result.diagnostics, text, "query");
  std::vector<ParamInfo> params = result.query->params();
  *out = new querysafe_query{std::move(*result.query), std::move(params)};
  return QUERYSAFE_OK;
}

int FinishTranslate(querysafe_translation** out, TranslateResult result, std::string_view text,
                    querysafe_error* error) {
  if (!result.ok()) return Fail(error, QUERYSAFE_EREJECTED, result.diagnostics, text, "query");
  std::string name(result.translation->command_name());
  *out = new querysafe_translation{std::move(*result.translation), std::move(name)};
  return QUERYSAFE_OK;
}

}  // namespace querysafe::capi

extern "C" {

int querysafe_query_compile(querysafe_query** out, const querysafe_schema* schema, const char* text,
                            ptrdiff_t length, const querysafe_compile_options* options,
                            querysafe_error* error) {
  constexpr char kFunction[] = "querysafe_query_compile";
  if (out == nullptr) return Invalid(error, kFunction, "`out` is NULL.");
  *out = nullptr;
  if (schema == nullptr) return Invalid(error, kFunction, "`schema` is NULL.");
  if (text == nullptr) return Invalid(error, kFunction, "`text` is NULL.");
  querysafe::CompileOptions compile_options;
  if (!querysafe::capi::ToCompileOptions(options, &compile_options)) {
    return Invalid(error, kFunction, "unknown querysafe_compile_options version.");
  }
  return Guard(error, kFunction, [&] {
    const std::string_view query_text = querysafe::capi::TextArg(text, length);
    return querysafe::capi::FinishCompile(
        out, querysafe::Query::Compile(schema->schema, query_text, compile_options), query_text,
        error);
  });
}

const char* querysafe_query_text(const querysafe_query* query) {
  return query == nullptr ? "" : query->query.text().c_str();
}

size_t querysafe_query_param_count(const querysafe_query* query) {
  return query == nullptr ? 0 : query->params.size();
}

int querysafe_query_param(querysafe_param_info* out, const querysafe_query* query, size_t index) {
  if (out == nullptr || query == nullptr || index >= query->params.size()) {
    return QUERYSAFE_EINVALID;
  }
  const querysafe::ParamInfo& p = query->params[index];
  out->name = p.name.c_str();
  out->expected_type = p.expected_type.c_str();
  out->sequence = p.sequence ? 1 : 0;
  out->encrypted = p.encrypted ? 1 : 0;
  return QUERYSAFE_OK;
}

void querysafe_query_free(querysafe_query* query) { delete query; }

int querysafe_query_translate(querysafe_translation** out, const querysafe_query* query,
                              const bson_t* params, querysafe_error* error) {
  constexpr char kFunction[] = "querysafe_query_translate";
  if (out == nullptr) return Invalid(error, kFunction, "`out` is NULL.");
  *out = nullptr;
  if (query == nullptr) return Invalid(error, kFunction, "`query` is NULL.");
  return Guard(error, kFunction, [&] {
    querysafe::TranslateResult t =
        params == nullptr ? query->query.Translate() : query->query.Translate(*params);
    return querysafe::capi::FinishTranslate(out, std::move(t), query->query.text(), error);
  });
}

int querysafe_translate(querysafe_translation** out, const querysafe_schema* schema,
                        const char* text, ptrdiff_t length, const bson_t* params,
                        const querysafe_compile_options* options, querysafe_error* error) {
  constexpr char kFunction[] = "querysafe_translate";
  if (out == nullptr) return Invalid(error, kFunction, "`out` is NULL.");
  *out = nullptr;
  if (schema == nullptr) return Invalid(error, kFunction, "`schema` is NULL.");
  if (text == nullptr) return Invalid(error, kFunction, "`text` is NULL.");
  querysafe::CompileOptions compile_options;
  if (!querysafe::capi::ToCompileOptions(options, &compile_options)) {
    return Invalid(error, kFunction, "unknown querysafe_compile_options version.");
  }
  return Guard(error, kFunction, [&] {
    const std::string_view query_text = querysafe::capi::TextArg(text, length);
    querysafe::TranslateResult t =
        params == nullptr
            ? querysafe::Translate(schema->schema, query_text, compile_options)
            : querysafe::Translate(schema->schema, query_text, *params, compile_options);
    return querysafe::capi::FinishTranslate(out, std::move(t), query_text, error);
  });
}

const char* querysafe_translation_database(const querysafe_translation* translation) {
  return translation == nullptr ? "" : translation->translation.database().c_str();
}

const char* querysafe_translation_collection(const querysafe_translation* translation) {
  return translation == nullptr ? "" : translation->translation.collection().c_str();
}

const char* querysafe_translation_command_name(const querysafe_translation* translation) {
  return translation == nullptr ? "" : translation->command_name.c_str();
}

const bson_t* querysafe_translation_command(const querysafe_translation* translation) {
  return translation == nullptr ? nullptr : translation->translation.command();
}

size_t querysafe_translation_encryption_count(const querysafe_translation* translation) {
  return translation == nullptr ? 0 : translation->translation.encryption_count();
}

int querysafe_translation_to_json(char** out, const querysafe_translation* translation) {
  if (out == nullptr) return QUERYSAFE_EINVALID;
  *out = nullptr;
  if (translation == nullptr) return QUERYSAFE_EINVALID;
  return Guard(nullptr, "querysafe_translation_to_json", [&] {
    *out = querysafe::capi::CopyString(translation->translation.ToJson());
    return *out == nullptr ? int{QUERYSAFE_ENOMEM} : int{QUERYSAFE_OK};
  });
}

void querysafe_translation_free(querysafe_translation* translation) { delete translation; }

}  // extern "C"
