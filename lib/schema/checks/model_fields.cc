// Why: the model-level field rules Django's system checks enforce, each of
// which would make a name or a column mean two things: one primary key at most
// (models.E026), `id` reserved for it (models.E004), AutoFields only as primary
// keys (fields.E100), attribute names that do not collide with another field's
// attname (models.E006), and one field per column (models.E007): two fields on
// one column would also give encryptedFields a duplicate path.
#include <format>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "lib/schema/checks/check.h"

namespace querysafe::schema {

void CheckModelFields(const Model& model, CheckContext& ctx) {
  int primary_keys = 0;
  absl::flat_hash_map<std::string_view, const Field*> names;
  absl::flat_hash_map<std::string_view, const Field*> columns;
  for (const auto& field : model.fields) {
    if (field->primary_key) ++primary_keys;
    if (field->cls == FieldClass::kObjectIdAuto && !field->primary_key) {
      ctx.sink.Error("schema.auto_field", "AutoFields must set primary_key=True.", field->location);
    }
    if (field->name == "id" && !field->primary_key && model.pk == nullptr) {
      ctx.sink.Error("schema.id_field",
                     "'id' can only be used as a field name if the field also sets "
                     "'primary_key=True'.",
                     field->location);
    }
    for (std::string_view name :
         {std::string_view(field->name), std::string_view(field->attname)}) {
      auto [it, inserted] = names.try_emplace(name, field.get());
      if (!inserted && it->second != field.get()) {
        ctx.sink.Error("schema.field_clash",
                       std::format("The field '{}' clashes with the field '{}' from model '{}'.",
                                   field->name, it->second->name, model.name),
                       field->location);
      }
    }
    auto [it, inserted] = columns.try_emplace(field->column, field.get());
    if (!inserted) {
      ctx.sink.Error("schema.column_clash",
                     std::format("Field '{}' has column name '{}' that is used by another field. "
                                 "Specify a 'db_column' for the field.",
                                 field->name, field->column),
                     field->location);
    }
  }
  if (primary_keys > 1) {
    ctx.sink.Error("schema.primary_keys",
                   "The model cannot have more than one field with 'primary_key=True'.",
                   model.location);
  }
}

}  // namespace querysafe::schema
