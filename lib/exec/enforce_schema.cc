#include "lib/exec/enforce_schema.h"

#include <algorithm>
#include <format>
#include <string_view>

namespace querysafe::exec {
namespace {

using bound::Operation;
using bound::ResultShape;

bool SelectsColumns(Operation operation) {
  switch (operation) {
    case Operation::kSelect:
    case Operation::kGet:
    case Operation::kFirst:
    case Operation::kLast:
    case Operation::kInBulk:
      return true;
    default:  // count(), exists(), aggregate(), dates(): aliases only; writes
      return false;
  }
}

// defer()'s columns: the keys a find's projection excludes ({"headline": 0}).
std::vector<std::string> Deferred(const lower::Command& command) {
  std::vector<std::string> out;
  bson_iter_t it, child;
  if (command.kind != lower::CommandKind::kFind ||
      !bson_iter_init_find(&it, command.body.get(), "projection") ||
      !BSON_ITER_HOLDS_DOCUMENT(&it) || !bson_iter_recurse(&it, &child)) {
    return out;
  }
  while (bson_iter_next(&child)) {
    const bool zero = (BSON_ITER_HOLDS_INT32(&child) && bson_iter_int32(&child) == 0) ||
                      (BSON_ITER_HOLDS_INT64(&child) && bson_iter_int64(&child) == 0) ||
                      (BSON_ITER_HOLDS_BOOL(&child) && !bson_iter_bool(&child));
    if (zero) out.emplace_back(bson_iter_key(&child));
  }
  return out;
}

// "the document {"_id": ...}", or "a document" when the query projected _id out.
std::string DocumentText(const bson_t* row) {
  bson_iter_t it;
  if (!bson_iter_init_find(&it, row, "_id")) return "a document";
  BsonDoc one;
  bson_append_value(one.get(), "_id", 3, bson_iter_value(&it));
  return "the document " + ToRelaxedJson(one.get());
}

}  // namespace

std::optional<SchemaEnforcer> SchemaEnforcer::For(const schema::Schema& schema,
                                                  const lower::Command& command) {
  if (schema.engine != schema::Engine::kDjongo || !SelectsColumns(command.operation) ||
      (command.kind != lower::CommandKind::kFind &&
       command.kind != lower::CommandKind::kAggregate)) {
    return std::nullopt;
  }
  const schema::Model* model = schema.FindModelByTable(command.collection);
  if (model == nullptr) return std::nullopt;
  SchemaEnforcer e;
  e.model_ = model->name;
  e.collection_ = command.collection;
  e.enforce_ = schema.enforce_schema;
  const std::optional<std::vector<OutputKey>> selected = SelectedKeys(command);
  if (command.shape == ResultShape::kModels) {
    // The model's concrete columns, those only() names or defer() leaves.
    const std::vector<std::string> deferred = Deferred(command);
    for (const auto& field : model->fields) {
      // djongo's ArrayReferenceField is not concrete: Django selects no column for it.
      if (field->class_name == "ArrayReferenceField") continue;
      if (!deferred.empty()) {
        if (std::ranges::find(deferred, field->column) != deferred.end()) continue;
      } else if (selected && std::ranges::none_of(*selected, [&](const OutputKey& p) {
                   return p.key == field->column;
                 })) {
        continue;
      }
      e.columns_.push_back({field->column, field->column, field->name, field->column});
    }
    return e;
  }
  if (!selected) return std::nullopt;
  // values() and values_list(): the fields named, as the find projects them (by db path, in
  // field_names' order) or the pipeline's $project names them (by output key).
  const bool find = command.kind == lower::CommandKind::kFind;
  const bool dict_rows =
      command.shape == ResultShape::kValues || command.shape == ResultShape::kNamed;
  for (const OutputKey& p : *selected) {
    if (p.path.empty()) continue;  // an aggregate or expression: read by its alias
    Column c;
    if (find) {
      // The find returns the document itself, nested: the value is at the db path.
      c.path = p.key;
      c.column = p.key.substr(0, p.key.find('.'));
      const schema::Field* field = nullptr;
      for (const auto& f : model->fields) {
        if (f->column == c.column) field = f.get();
      }
      c.field = field != nullptr ? field->name : c.column;
      // The shaper writes None itself for a field the document lacks.
    } else {
      // The pipeline's $project wrote the output key, or left it out when the path it reads
      // ("$_id.f0", "$headline") is missing.
      c.path = p.key;
      const schema::Field* field = model->FindField(p.key);
      c.column = field != nullptr ? field->column : p.path.substr(0, p.path.find('.'));
      c.field = field != nullptr ? field->name : p.key;
      if (dict_rows) c.row_key = p.key;
    }
    e.columns_.push_back(std::move(c));
  }
  return e;
}

std::optional<Diagnostic> SchemaEnforcer::Apply(const bson_t* document, BsonDoc* row) const {
  std::vector<const Column*> missing;
  for (const Column& c : columns_) {
    bson_iter_t it, found;
    if (!bson_iter_init(&it, document) || !bson_iter_find_descendant(&it, c.path.c_str(), &found)) {
      missing.push_back(&c);
    }
  }
  if (missing.empty()) return std::nullopt;
  if (enforce_) {
    Diagnostic d;
    d.category = Category::kDatabaseError;
    d.code = "exec.migration_error";
    d.message = std::format(
        "MigrationError: {}: {} in '{}' has no '{}' (field {}.{}), and "
        "ENFORCE_SCHEMA is True. Migrate the document, or set enforce_schema to false to read "
        "it as None.",
        missing[0]->column, DocumentText(document), collection_, missing[0]->column, model_,
        missing[0]->field);
    return d;
  }
  for (const Column* c : missing) {
    bson_iter_t it;
    if (c->row_key.empty() || bson_iter_init_find(&it, row->get(), c->row_key.c_str())) continue;
    bson_append_null(row->get(), c->row_key.c_str(), static_cast<int>(c->row_key.size()));
  }
  return std::nullopt;
}

}  // namespace querysafe::exec
