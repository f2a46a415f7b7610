// Insert, save and delete of one model instance: the document is built (and
// its encrypted values encrypted) by querysafe, then sent through the
// auto-encrypting client, whose libmongocrypt adds encryptionInformation.
#include <chrono>
#include <format>

#include "lib/analyze/coerce.h"
#include "lib/analyze/py_value.h"
#include "lib/common/arena.h"
#include "lib/common/bson_array.h"
#include "lib/exec/client.h"
#include "lib/exec/document_builder.h"

namespace querysafe::exec {
namespace {

const schema::Model* CollectionModel(const schema::Schema& schema, std::string_view name,
                                     Diagnostics* diagnostics) {
  const schema::Model* model = schema.FindModel(name);
  if (model != nullptr && !model->embedded) return model;
  Diagnostic d;
  d.category = Category::kFieldError;
  d.code = "exec.unknown_model";
  d.message = model == nullptr ? std::format("The schema has no model '{}'", name)
                               : std::format(
                                     "{} is an embedded model: it is saved inside "
                                     "its parent, not in a collection of its own",
                                     name);
  diagnostics->push_back(std::move(d));
  return nullptr;
}

// {<verb>: <collection>, <list>: [<item>]}
BsonDoc OneStatement(std::string_view verb, std::string_view collection, std::string_view list,
                     const bson_t* item) {
  BsonDoc command;
  AppendUtf8(command.get(), verb, collection);
  bson_t array;
  querysafe::AppendArrayBegin(command.get(), list.data(), static_cast<int>(list.size()), &array);
  bson_append_document(&array, "0", 1, item);
  bson_append_array_end(command.get(), &array);
  return command;
}

}  // namespace

WriteResult Client::Insert(std::string_view model, const bson_t* values) const {
  WriteResult result;
  const schema::Model* m = CollectionModel(schema(), model, &result.diagnostics);
  if (m == nullptr) return result;
  return InsertBuilt(*m, values);
}

WriteResult Client::InsertBuilt(const schema::Model& model, const bson_t* values) const {
  WriteResult result;
  BuiltDocument built =
      BuildDocument(schema(), model, values, BuildMode::kInsert, std::chrono::system_clock::now());
  if (!built.ok()) {
    result.diagnostics = std::move(built.diagnostics);
    return result;
  }
  BsonDoc command = OneStatement("insert", model.db_table, "documents", built.document.get());
  BSON_APPEND_BOOL(command.get(), "ordered", true);
  std::optional<BsonDoc> finished = Finish(command.get(), built.encryptions, &result.diagnostics);
  if (!finished) return result;
  std::optional<int64_t> n =
      Write(schema().database, finished->get(),
            std::format("insert on {}.{}", schema().database, model.db_table), &result.diagnostics);
  if (!n) return result;
  result.count = *n;
  result.id = std::move(built.pk);
  result.inserted = true;
  return result;
}

WriteResult Client::Save(std::string_view model, const bson_t* values) const {
  WriteResult result;
  const schema::Model* m = CollectionModel(schema(), model, &result.diagnostics);
  if (m == nullptr) return result;
  BuiltDocument built =
      BuildDocument(schema(), *m, values, BuildMode::kSave, std::chrono::system_clock::now());
  if (!built.ok()) {
    result.diagnostics = std::move(built.diagnostics);
    return result;
  }
  // update_one({_id: pk}, {$set: every other field}): django-mongodb-backend's
  // save() of an instance that has a pk; one statement, never multi.
  BsonDoc statement, set;
  bson_copy_to_excluding_noinit(built.document.get(), set.get(), "_id", nullptr);
  BSON_APPEND_DOCUMENT(statement.get(), "q", built.pk.get());
  bson_t u;
  BSON_APPEND_DOCUMENT_BEGIN(statement.get(), "u", &u);
  BSON_APPEND_DOCUMENT(&u, "$set", set.get());
  bson_append_document_end(statement.get(), &u);
  BSON_APPEND_BOOL(statement.get(), "multi", false);
  BSON_APPEND_BOOL(statement.get(), "upsert", false);
  BsonDoc command = OneStatement("update", m->db_table, "updates", statement.get());
  BSON_APPEND_BOOL(command.get(), "ordered", true);
  std::optional<BsonDoc> finished = Finish(command.get(), built.encryptions, &result.diagnostics);
  if (!finished) return result;
  std::optional<int64_t> n =
      Write(schema().database, finished->get(),
            std::format("update on {}.{}", schema().database, m->db_table), &result.diagnostics);
  if (!n) return result;
  if (*n == 0) {
    // Django's save(): an UPDATE that matched nothing becomes an INSERT.
    return InsertBuilt(*m, values);
  }
  result.count = *n;
  result.id = std::move(built.pk);
  return result;
}

WriteResult Client::Delete(std::string_view model, const bson_value_t& pk) const {
  WriteResult result;
  const schema::Model* m = CollectionModel(schema(), model, &result.diagnostics);
  if (m == nullptr) return result;
  Arena arena;
  analyze::PyValue py;
  bson_value_t id{};
  analyze::CoerceError error;
  if (!analyze::PyValueFromBson(pk, &arena, &py)) {
    error = {Category::kValidationError, "value.invalid_type",
             std::format("This value cannot be the primary key of {}", m->name)};
  } else if (analyze::CoerceToField(py, *m->pk, {}, &arena, &id, &error)) {
    error.code.clear();
  }
  if (!error.code.empty()) {
    Diagnostic d;
    d.category = error.category;
    d.code = error.code;
    d.message = error.message;
    d.location = std::format("{}.{}", m->name, m->pk->name);
    result.diagnostics.push_back(std::move(d));
    return result;
  }
  BsonDoc statement, q;
  bson_append_value(q.get(), "_id", 3, &id);
  BSON_APPEND_DOCUMENT(statement.get(), "q", q.get());
  BSON_APPEND_INT32(statement.get(), "limit", 1);
  BsonDoc command = OneStatement("delete", m->db_table, "deletes", statement.get());
  BSON_APPEND_BOOL(command.get(), "ordered", true);
  std::optional<int64_t> n =
      Write(schema().database, command.get(),
            std::format("delete on {}.{}", schema().database, m->db_table), &result.diagnostics);
  if (!n) return result;
  result.count = *n;
  result.id = std::move(q);
  return result;
}

}  // namespace querysafe::exec
