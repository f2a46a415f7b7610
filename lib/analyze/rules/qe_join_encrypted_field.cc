// Why: a condition on an encrypted field of a joined collection (`author__ssn="..."` on Book)
// is lowered, as Django lowers any join, to `$lookup` (localField/foreignField) and `$unwind`,
// then a `$match` on `author.ssn`. Queryable Encryption cannot evaluate it there:
//   - before 8.1, query analysis knows only the queried collection's encryptedFields and
//     refuses any pipeline that names another collection (51204, fle_pipeline.cpp);
//   - from 8.1 it knows both schemas, but it marks the documents a localField/foreignField
//     `$lookup` adds as of unknown encryption, and a predicate on an encrypted field among them
//     fails with 31133 (the server's fle_agg_lookup_multi_schema tests expect exactly that for
//     QE; only a `$match` inside the `$lookup` sub-pipeline can use the joined collection's
//     encrypted fields, and only from 8.1).
// With explicit encryption nothing checks it: mongod rewrites the payload against the queried
// collection's state collections and `__safeContent__`, where the joined field's tags are not,
// so the query silently matches nothing (and its negation everything).
//
// Plain conditions on the joined collection (`author__name="Bob"`) stay accepted, as
// django-mongodb-backend's test_join expects; sorting on, or projecting, a joined encrypted
// field is left to the order and projection rules.

#include <format>

#include "lib/analyze/rules/rules.h"

namespace querysafe::analyze::rules {

bool CheckJoinedEncryptedField(Context& ctx, const bound::FieldRef& field, Span span) {
  if (field.join == nullptr || !field.is_encrypted()) return true;
  const bool multi_schema = ctx.options().server_version >= ServerVersion{8, 1};
  const std::string_view model =
      field.join->target != nullptr ? std::string_view(field.join->target->name) : "";
  const std::string why = std::format(
      " ('{}' is an encrypted field of {}, reached through the join on '{}'; {})",
      field.django_path, model, field.join->alias,
      multi_schema ? "Queryable Encryption evaluates a joined collection's encrypted fields "
                     "only inside the $lookup sub-pipeline"
                   : "before MongoDB 8.1 Queryable Encryption cannot evaluate another "
                     "collection's encrypted fields at all");
  if (multi_schema) {
    ctx.Report(Category::kNotSupportedError, "qe.join_encrypted_field",
               "Cannot get metadata for path whose encryption properties are not known until "
               "runtime." +
                   why,
               span, 31133);
  } else {
    ctx.Report(
        Category::kNotSupportedError, "qe.join_encrypted_field",
        "Pipeline over an encrypted collection cannot reference additional collections." + why,
        span, 51204);
  }
  return false;
}

}  // namespace querysafe::analyze::rules
