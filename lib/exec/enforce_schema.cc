#include "lib/exec/enforce_schema.h"

#include <algorithm>
#include <format>
#include <string_view>

namespace querysafe::exec {
namespace {

// The top-level keys a find's projection includes; empty when it has none (every column).
std::vector<std::string> ProjectedColumns(const bson_t* body) {
  std::vector<std::string> out;
  bson_iter_t it, child;
  if (!bson_iter_init_find(&it, body, "projection") || !BSON_ITER_HOLDS_DOCUMENT(&it)) return out;
  bson_iter_recurse(&it, &child);
  while (bson_iter_next(&child)) {
    bool included = true;
    if (BSON_ITER_HOLDS_INT32(&child)) included = bson_iter_int32(&child) != 0;
    if (BSON_ITER_HOLDS_INT64(&child)) included = bson_iter_int64(&child) != 0;
    if (BSON_ITER_HOLDS_BOOL(&child)) included = bson_iter_bool(&child);
    std::string_view key = bson_iter_key(&child);
    if (included) out.emplace_back(key.substr(0, key.find('.')));
  }
  return out;
}

std::string IdText(const bson_t* row) {
  bson_iter_t it;
  if (!bson_iter_init_find(&it, row, "_id")) return "without an _id";
  BsonDoc one;
  bson_append_value(one.get(), "_id", 3, bson_iter_value(&it));
  return ToRelaxedJson(one.get());
}

}  // namespace

std::optional<SchemaEnforcer> SchemaEnforcer::For(const schema::Schema& schema,
                                                  const lower::Command& command) {
  if (schema.engine != schema::Engine::kDjongo || command.kind != lower::CommandKind::kFind ||
      command.shape != bound::ResultShape::kModels) {
    return std::nullopt;
  }
  const schema::Model* model = schema.FindModelByTable(command.collection);
  if (model == nullptr) return std::nullopt;
  SchemaEnforcer e;
  e.model_ = model->name;
  e.collection_ = command.collection;
  e.enforce_ = schema.enforce_schema;
  const std::vector<std::string> projected = ProjectedColumns(command.body.get());
  for (const auto& field : model->fields) {
    // djongo's ArrayReferenceField is not concrete: Django selects no column for it.
    if (field->class_name == "ArrayReferenceField") continue;
    if (!projected.empty() &&
        std::find(projected.begin(), projected.end(), field->column) == projected.end()) {
      continue;
    }
    e.columns_.push_back({field->column, field->name});
  }
  return e;
}

std::optional<Diagnostic> SchemaEnforcer::Apply(BsonDoc* row) const {
  std::vector<const Column*> missing;
  for (const Column& c : columns_) {
    bson_iter_t it;
    if (!bson_iter_init_find(&it, row->get(), c.column.c_str())) missing.push_back(&c);
  }
  if (missing.empty()) return std::nullopt;
  if (enforce_) {
    Diagnostic d;
    d.category = Category::kDatabaseError;
    d.code = "exec.migration_error";
    d.message = std::format(
        "MigrationError: {}: the document {} in '{}' has no '{}' (field {}.{}), and "
        "ENFORCE_SCHEMA is True. Migrate the document, or set enforce_schema to false to read "
        "it as None.",
        missing[0]->column, IdText(row->get()), collection_, missing[0]->column, model_,
        missing[0]->field);
    return d;
  }
  for (const Column* c : missing) {
    bson_append_null(row->get(), c->column.c_str(), static_cast<int>(c->column.size()));
  }
  return std::nullopt;
}

}  // namespace querysafe::exec
