// Why: a DecimalField without max_digits and decimal_places has no defined
// precision; Django's DecimalField._check_decimal_places_and_max_digits
// (fields.E130, E132, E134) refuses it.
#include "lib/schema/checks/check.h"

namespace querysafe::schema {

void CheckDecimalField(const Field& field, CheckContext& ctx) {
  if (field.cls != FieldClass::kDecimal) return;
  if (!field.decimal_places) {
    ctx.sink.Error("schema.decimal_field",
                   "DecimalFields must define a 'decimal_places' attribute.", field.location);
  }
  if (!field.max_digits) {
    ctx.sink.Error("schema.decimal_field", "DecimalFields must define a 'max_digits' attribute.",
                   field.location);
  }
  if (field.decimal_places && field.max_digits && *field.decimal_places > *field.max_digits) {
    ctx.sink.Error("schema.decimal_field",
                   "'max_digits' must be greater or equal to "
                   "'decimal_places'.",
                   Loc(field.location, "max_digits"));
  }
}

}  // namespace querysafe::schema
