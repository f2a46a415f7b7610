// State shared by the loader's phases (parse, resolve, finalize queries,
// encrypted paths, key binding, checks). Internal to lib/schema.
#ifndef QUERYSAFE_LIB_SCHEMA_LOAD_CONTEXT_H_
#define QUERYSAFE_LIB_SCHEMA_LOAD_CONTEXT_H_

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "lib/common/bson_util.h"
#include "lib/schema/diagnostic_sink.h"
#include "lib/schema/load.h"
#include "lib/schema/model.h"

namespace querysafe::schema {

// Model references a field names, resolved once every model exists.
struct PendingRefs {
  Field* field = nullptr;
  std::string embedded_model;                // EmbeddedModelField, EmbeddedModelArrayField
  std::vector<std::string> embedded_models;  // the polymorphic ones
  std::string to;                            // ForeignKey, OneToOneField
};

// A `queries` entry as written: the key order of encryptedFields' `queries` and
// the raw min/max come from it once the field's BSON type is known.
struct PendingQuery {
  Field* field = nullptr;
  size_t index = 0;  // in field->queries
  BsonDoc entry;
};

struct LoadContext {
  explicit LoadContext(const SchemaLoadOptions& opts)
      : options(opts), schema(std::make_unique<Schema>()) {}

  SchemaLoadOptions options;
  DiagnosticSink sink;
  std::unique_ptr<Schema> schema;

  bool has_encrypted_fields_map = false;
  BsonDoc encrypted_fields_map;  // the schema's "encrypted_fields_map", as written

  // Models dropped for a duplicate name; pending entries may point into them
  // (see IsLive).
  std::vector<std::unique_ptr<Model>> discarded_models;
  // False for a field of a dropped model.
  bool IsLive(const Field* field) const {
    const Model* model = field->model;
    auto it = schema->models_by_name.find(model->name);  // std::string key: no conversion
    return it != schema->models_by_name.end() && it->second == model;
  }

  std::vector<PendingRefs> refs;
  std::vector<PendingQuery> queries;

  // The first encryptedFields path of each encrypted field: the server names
  // fields by path in some messages, and an embedded model's field has no path
  // of its own.
  absl::flat_hash_map<const Field*, std::string> first_path;
};

// The phases, in the order LoadSchema runs them.
void ParseSchemaDocument(const BsonDoc& doc,
                         LoadContext& ctx);  // parse_schema.cc
void ResolveReferences(LoadContext& ctx);    // resolve.cc
void BuildEncryptedPaths(LoadContext& ctx);  // encrypted_paths.cc
void FinalizeQueries(LoadContext& ctx);      // bounds.cc
void BindKeys(LoadContext& ctx);             // key_binding.cc
void RunChecks(LoadContext& ctx);            // checks/registry.cc

// Parses one field object; null (with diagnostics) if it cannot become a Field.
// Used for a model's fields and, recursively, for an ArrayField's base_field.
std::unique_ptr<Field> ParseField(std::string_view name, const bson_iter_t& value,
                                  const Model* model, const std::string& location,
                                  LoadContext& ctx);  // parse_field.cc
// Reads a field's `queries` into field.queries (queries.cc).
void ParseQueries(Field& field, const bson_iter_t& value, const std::string& location,
                  LoadContext& ctx);

// The path the server would name `field` by in a message.
std::string ServerPath(const LoadContext& ctx, const Field& field);

}  // namespace querysafe::schema

#endif  // QUERYSAFE_LIB_SCHEMA_LOAD_CONTEXT_H_
