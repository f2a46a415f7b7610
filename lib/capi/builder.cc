// C API: building queries from calls. The builder records mistakes (a bad key, a method after a
// terminal one) and reports them all at querysafe_builder_compile, as the C++ QueryBuilder does;
// these functions only refuse NULL arguments.

#include <string>
#include <vector>

#include "lib/capi/handles.h"
#include "lib/capi/status.h"

using querysafe::capi::Guard;
using querysafe::capi::Invalid;

extern "C" {

int querysafe_builder_new(querysafe_builder** out, const char* model) {
  if (out == nullptr) return QUERYSAFE_EINVALID;
  *out = nullptr;
  if (model == nullptr) return QUERYSAFE_EINVALID;
  return Guard(nullptr, "querysafe_builder_new", [&] {
    *out = new querysafe_builder{querysafe::QueryBuilder(model)};
    return int{QUERYSAFE_OK};
  });
}

int querysafe_builder_filter(querysafe_builder* builder, const char* lookup_key,
                             const bson_value_t* value) {
  if (builder == nullptr || lookup_key == nullptr || value == nullptr) return QUERYSAFE_EINVALID;
  return Guard(nullptr, "querysafe_builder_filter", [&] {
    builder->builder.Filter(lookup_key, *value);
    return int{QUERYSAFE_OK};
  });
}

int querysafe_builder_exclude(querysafe_builder* builder, const char* lookup_key,
                              const bson_value_t* value) {
  if (builder == nullptr || lookup_key == nullptr || value == nullptr) return QUERYSAFE_EINVALID;
  return Guard(nullptr, "querysafe_builder_exclude", [&] {
    builder->builder.Exclude(lookup_key, *value);
    return int{QUERYSAFE_OK};
  });
}

int querysafe_builder_order_by(querysafe_builder* builder, const char* const* fields,
                               size_t count) {
  if (builder == nullptr || (fields == nullptr && count > 0)) return QUERYSAFE_EINVALID;
  for (size_t i = 0; i < count; ++i) {
    if (fields[i] == nullptr) return QUERYSAFE_EINVALID;
  }
  return Guard(nullptr, "querysafe_builder_order_by", [&] {
    builder->builder.OrderBy(std::vector<std::string>(fields, fields + count));
    return int{QUERYSAFE_OK};
  });
}

int querysafe_builder_slice(querysafe_builder* builder, int64_t offset, int64_t limit) {
  if (builder == nullptr) return QUERYSAFE_EINVALID;
  return Guard(nullptr, "querysafe_builder_slice", [&] {
    builder->builder.Slice(offset, limit);
    return int{QUERYSAFE_OK};
  });
}

int querysafe_builder_terminal(querysafe_builder* builder, const char* method) {
  if (builder == nullptr || method == nullptr) return QUERYSAFE_EINVALID;
  return Guard(nullptr, "querysafe_builder_terminal", [&] {
    builder->builder.Terminal(method);
    return int{QUERYSAFE_OK};
  });
}

int querysafe_builder_text(char** out, const querysafe_builder* builder) {
  if (out == nullptr) return QUERYSAFE_EINVALID;
  *out = nullptr;
  if (builder == nullptr) return QUERYSAFE_EINVALID;
  return Guard(nullptr, "querysafe_builder_text", [&] {
    *out = querysafe::capi::CopyString(builder->builder.text());
    return *out == nullptr ? int{QUERYSAFE_ENOMEM} : int{QUERYSAFE_OK};
  });
}

const bson_t* querysafe_builder_params(const querysafe_builder* builder) {
  return builder == nullptr ? nullptr : &builder->builder.params();
}

int querysafe_builder_compile(querysafe_query** out, const querysafe_builder* builder,
                              const querysafe_schema* schema,
                              const querysafe_compile_options* options, querysafe_error* error) {
  constexpr char kFunction[] = "querysafe_builder_compile";
  if (out == nullptr) return Invalid(error, kFunction, "`out` is NULL.");
  *out = nullptr;
  if (builder == nullptr) return Invalid(error, kFunction, "`builder` is NULL.");
  if (schema == nullptr) return Invalid(error, kFunction, "`schema` is NULL.");
  querysafe::CompileOptions compile_options;
  if (!querysafe::capi::ToCompileOptions(options, &compile_options)) {
    return Invalid(error, kFunction, "unknown querysafe_compile_options version.");
  }
  return Guard(error, kFunction, [&] {
    const std::string text = builder->builder.text();
    return querysafe::capi::FinishCompile(
        out, builder->builder.Compile(schema->schema, compile_options), text, error);
  });
}

void querysafe_builder_free(querysafe_builder* builder) { delete builder; }

}  // extern "C"
