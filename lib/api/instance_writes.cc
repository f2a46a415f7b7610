// Insert, save and delete of one model instance through the pipeline: the analyzer builds the
// document Django's save() would write (lib/analyze/instance_binder.h), lowering puts the
// encryption placeholders in it (lib/lower/lowered_instance.h), and exec encrypts and sends it
// (lib/exec/writes.cc). These are exec::Client's Insert, Save and Delete (lib/exec/client.h says
// why they are defined here).
#include <chrono>
#include <format>

#include "lib/analyze/instance_binder.h"
#include "lib/common/arena.h"
#include "lib/exec/client.h"
#include "lib/lower/lowered_instance.h"

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

WriteResult InsertInstance(const Client& client, const schema::Model& model, const bson_t* values) {
  bound::Instance instance =
      analyze::BindInstance(client.schema(), model, values, analyze::BuildMode::kInsert,
                            std::chrono::system_clock::now());
  if (!instance.ok()) {
    WriteResult result;
    result.diagnostics = std::move(instance.diagnostics);
    return result;
  }
  return client.SendInsert(model, lower::LowerInstance(instance));
}

}  // namespace

WriteResult Client::Insert(std::string_view model, const bson_t* values) const {
  WriteResult result;
  const schema::Model* m = CollectionModel(schema(), model, &result.diagnostics);
  if (m == nullptr) return result;
  return InsertInstance(*this, *m, values);
}

WriteResult Client::Save(std::string_view model, const bson_t* values) const {
  WriteResult result;
  const schema::Model* m = CollectionModel(schema(), model, &result.diagnostics);
  if (m == nullptr) return result;
  bound::Instance instance = analyze::BindInstance(schema(), *m, values, analyze::BuildMode::kSave,
                                                   std::chrono::system_clock::now());
  if (!instance.ok()) {
    result.diagnostics = std::move(instance.diagnostics);
    return result;
  }
  result = SendSave(*m, lower::LowerInstance(instance));
  // Django's save(): an UPDATE that matched nothing becomes an INSERT.
  if (result.ok() && result.count == 0) return InsertInstance(*this, *m, values);
  return result;
}

WriteResult Client::Delete(std::string_view model, const bson_value_t& pk) const {
  WriteResult result;
  const schema::Model* m = CollectionModel(schema(), model, &result.diagnostics);
  if (m == nullptr) return result;
  Arena arena;
  bson_value_t id{};
  if (std::optional<Diagnostic> error = analyze::BindPrimaryKey(*m, pk, &arena, &id)) {
    result.diagnostics.push_back(std::move(*error));
    return result;
  }
  return SendDelete(*m, id);
}

}  // namespace querysafe::exec
