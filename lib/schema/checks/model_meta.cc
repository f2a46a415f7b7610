// Why: Meta.ordering and Meta.indexes name fields; a name that does not exist
// would make every query (ordering) or the migration (indexes) fail later, so
// Django's system checks refuse it (models.E015, models.E012). An index on an
// encrypted field is refused too: MongoDB cannot index encrypted values (seed
// 004, "They cannot be indexed"), the rule django-mongodb-backend applies to
// db_index but not to Meta.indexes.
#include <format>
#include <string>

#include "lib/schema/checks/check.h"

namespace querysafe::schema {

void CheckModelMeta(const Model& model, CheckContext& ctx) {
  for (size_t i = 0; i < model.ordering.size(); ++i) {
    const std::string& name = model.ordering[i].field;
    if (name == "?") continue;  // random order
    // A related lookup ("author__name") is resolved by the analyzer; its first
    // step must exist.
    std::string_view first = std::string_view(name).substr(0, name.find("__"));
    if (model.FindField(first) != nullptr) continue;
    ctx.sink.Error("schema.ordering",
                   std::format("'ordering' refers to the nonexistent field, related field, or "
                               "lookup '{}'.",
                               name),
                   Loc(Loc(model.location, "ordering"), std::to_string(i)));
  }
  for (size_t i = 0; i < model.indexes.size(); ++i) {
    for (const std::string& entry : model.indexes[i]) {
      std::string_view name = entry;
      if (name.starts_with('-')) name.remove_prefix(1);  // descending
      const Field* field = model.FindField(name);
      std::string location = Loc(Loc(model.location, "indexes"), std::to_string(i));
      if (field == nullptr) {
        ctx.sink.Error("schema.indexes",
                       std::format("'indexes' refers to the nonexistent field '{}'.", name),
                       location);
      } else if (field->encrypted) {
        ctx.sink.Error("schema.index_on_encrypted",
                       std::format("'indexes' refers to the encrypted field '{}': encrypted "
                                   "fields cannot be indexed.",
                                   name),
                       location);
      }
    }
  }
}

}  // namespace querysafe::schema
