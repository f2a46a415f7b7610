// Why: lookups split on "__" and "pk" always means the primary key, so Django
// refuses field names that would make a lookup ambiguous (fields.E001-E003).
// The column check is querysafe's: encryptedFields and queries address
// subdocument fields by dotted paths of columns, so a column with a dot, or
// starting with '$' (an operator to MongoDB), cannot be addressed.
#include <format>

#include "lib/schema/checks/check.h"

namespace querysafe::schema {

void CheckFieldName(const Field& field, CheckContext& ctx) {
  if (field.implicit || field.location.ends_with(".base_field")) return;
  const std::string& name = field.name;
  if (name.ends_with('_')) {
    ctx.sink.Add(Category::kFieldError, "schema.field_name",
                 "Field names must not end with an underscore.", field.location);
  }
  if (name.find("__") != std::string::npos) {
    ctx.sink.Add(Category::kFieldError, "schema.field_name", "Field names must not contain \"__\".",
                 field.location);
  }
  if (name == "pk") {
    ctx.sink.Add(Category::kFieldError, "schema.field_name",
                 "'pk' is a reserved word that cannot be used as a field name.", field.location);
  }
  const std::string& column = field.column;
  if (column.empty() || column[0] == '$' || column.find('.') != std::string::npos) {
    ctx.sink.Error("schema.invalid_column",
                   std::format("Column '{}' cannot be addressed in a MongoDB path: a column must "
                               "be non-empty, without '.', and not start with '$'",
                               column),
                   Loc(field.location, "db_column"));
  }
}

}  // namespace querysafe::schema
