// The schema's definition checks. Each check is a function in its own file (or
// a small family of one rule source per file), opening with why it exists and
// whose rule it mirrors (Django, django-mongodb-backend, the MongoDB server,
// libmongocrypt). Checks only read the compiled schema and report; registry.cc
// runs every one of them over every field, model and collection, so that all
// problems are reported together.
#ifndef QUERYSAFE_LIB_SCHEMA_CHECKS_CHECK_H_
#define QUERYSAFE_LIB_SCHEMA_CHECKS_CHECK_H_

#include <cstdint>
#include <format>
#include <string>

#include "lib/schema/diagnostic_sink.h"
#include "lib/schema/json_value.h"
#include "lib/schema/load_context.h"
#include "lib/schema/model.h"

namespace querysafe::schema {

struct CheckContext {
  const Schema& schema;
  const SchemaLoadOptions& options;
  DiagnosticSink& sink;
  const LoadContext& load;

  // A rule of the MongoDB server: code "schema.server.<code>" and the server's
  // code.
  void Server(int32_t code, std::string message, std::string location) {
    sink.Error(std::format("schema.server.{}", code), std::move(message), std::move(location),
               code);
  }
  std::string ServerPathOf(const Field& field) const { return ServerPath(load, field); }
};

// Field checks (every field of every model, and ArrayField base fields).
void CheckEncryptedFieldOptions(const Field& field,
                                CheckContext& ctx);  // encrypted_field_options.cc
void CheckNoQueriesArgument(const Field& field,
                            CheckContext& ctx);  // no_queries_argument.cc
void CheckContainsEncrypted(const Field& field,
                            CheckContext& ctx);              // contains_encrypted.cc
void CheckQueryList(const Field& field, CheckContext& ctx);  // query_list.cc
void CheckEqualityIndex(const Field& field,
                        CheckContext& ctx);                   // equality_index.cc
void CheckRangeIndex(const Field& field, CheckContext& ctx);  // range_index.cc
void CheckTextIndex(const Field& field, CheckContext& ctx);   // text_index.cc
void CheckFieldName(const Field& field, CheckContext& ctx);   // field_names.cc
void CheckDecimalField(const Field& field,
                       CheckContext& ctx);  // decimal_field.cc

// Model checks.
void CheckModelFields(const Model& model,
                      CheckContext& ctx);                    // model_fields.cc
void CheckModelMeta(const Model& model, CheckContext& ctx);  // model_meta.cc

// Collection checks (top-level models).
void CheckEncryptedFieldConfig(const Model& model,
                               CheckContext& ctx);  // encrypted_field_config.cc

// Schema checks.
void CheckDbTables(CheckContext& ctx);  // db_tables.cc

}  // namespace querysafe::schema

#endif  // QUERYSAFE_LIB_SCHEMA_CHECKS_CHECK_H_
