// Why: Queryable Encryption indexes scalar values; an encrypted array or
// subdocument is encrypted whole and cannot be queried at all.
// django-mongodb-backend's NoQueriesMixin (EncryptedArrayField,
// EncryptedEmbeddedModelField, EncryptedEmbeddedModelArrayField) raises
// ValueError as soon as the `queries` keyword is passed, even as None or {}; so
// does this check.
#include <format>

#include "lib/schema/checks/check.h"

namespace querysafe::schema {

void CheckNoQueriesArgument(const Field& field, CheckContext& ctx) {
  const bool no_queries_class = field.cls == FieldClass::kArray ||
                                field.cls == FieldClass::kEmbeddedModel ||
                                field.cls == FieldClass::kEmbeddedModelArray;
  if (!field.encrypted || !no_queries_class || !field.queries_declared) return;
  ctx.sink.Error("schema.queries_not_supported",
                 std::format("{} does not support the queries argument.", field.class_name),
                 Loc(field.location, "queries"));
}

}  // namespace querysafe::schema
