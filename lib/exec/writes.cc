// Sending insert, save and delete of one model instance: the document was
// analyzed (lib/analyze/instance_binder.h) and lowered with its encryption
// placeholders (lib/lower/lowered_instance.h); here its values are encrypted
// and it is sent through the auto-encrypting client, whose libmongocrypt adds
// encryptionInformation.
#include <format>

#include "lib/common/bson_array.h"
#include "lib/exec/client.h"

namespace querysafe::exec {
namespace {

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

WriteResult Client::SendInsert(const schema::Model& model,
                               const lower::LoweredInstance& instance) const {
  WriteResult result;
  BsonDoc command = OneStatement("insert", model.db_table, "documents", instance.document.get());
  BSON_APPEND_BOOL(command.get(), "ordered", true);
  std::optional<BsonDoc> finished =
      Finish(command.get(), instance.encryptions, &result.diagnostics);
  if (!finished) return result;
  std::optional<int64_t> n =
      Write(schema().database, finished->get(),
            std::format("insert on {}.{}", schema().database, model.db_table), &result.diagnostics);
  if (!n) return result;
  result.count = *n;
  result.id = instance.pk;
  result.inserted = true;
  return result;
}

WriteResult Client::SendSave(const schema::Model& model,
                             const lower::LoweredInstance& instance) const {
  WriteResult result;
  // update_one({_id: pk}, {$set: every other field}): django-mongodb-backend's
  // save() of an instance that has a pk; one statement, never multi.
  BsonDoc statement, set;
  bson_copy_to_excluding_noinit(instance.document.get(), set.get(), "_id", nullptr);
  BSON_APPEND_DOCUMENT(statement.get(), "q", instance.pk.get());
  bson_t u;
  BSON_APPEND_DOCUMENT_BEGIN(statement.get(), "u", &u);
  BSON_APPEND_DOCUMENT(&u, "$set", set.get());
  bson_append_document_end(statement.get(), &u);
  BSON_APPEND_BOOL(statement.get(), "multi", false);
  BSON_APPEND_BOOL(statement.get(), "upsert", false);
  BsonDoc command = OneStatement("update", model.db_table, "updates", statement.get());
  BSON_APPEND_BOOL(command.get(), "ordered", true);
  std::optional<BsonDoc> finished =
      Finish(command.get(), instance.encryptions, &result.diagnostics);
  if (!finished) return result;
  std::optional<int64_t> n =
      Write(schema().database, finished->get(),
            std::format("update on {}.{}", schema().database, model.db_table), &result.diagnostics);
  if (!n) return result;
  result.count = *n;
  if (*n != 0) result.id = instance.pk;
  return result;
}

WriteResult Client::SendDelete(const schema::Model& model, const bson_value_t& id) const {
  WriteResult result;
  BsonDoc statement, q;
  bson_append_value(q.get(), "_id", 3, &id);
  BSON_APPEND_DOCUMENT(statement.get(), "q", q.get());
  BSON_APPEND_INT32(statement.get(), "limit", 1);
  BsonDoc command = OneStatement("delete", model.db_table, "deletes", statement.get());
  BSON_APPEND_BOOL(command.get(), "ordered", true);
  std::optional<int64_t> n =
      Write(schema().database, command.get(),
            std::format("delete on {}.{}", schema().database, model.db_table), &result.diagnostics);
  if (!n) return result;
  result.count = *n;
  result.id = std::move(q);
  return result;
}

}  // namespace querysafe::exec
