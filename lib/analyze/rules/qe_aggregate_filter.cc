// Why: an aggregate's filter= (`Count("id", filter=Q(ssn="x"))`, in aggregate() or annotate())
// is not a match expression: Django, django-mongodb-backend and querysafe all evaluate it per
// document inside the `$group` accumulator, as `{$cond: [<condition>, ...]}`. MongoDB's query
// analysis lets an aggregation expression reference an encrypted field only inside `$match`
// (`$expr`), compared with a constant; everywhere else, `$group` included, it refuses the
// reference with 6331102 (aggregate_expression_intender: field references are disallowed unless
// the caller is a match), on 7.0, 8.0 and later alike, whatever the field's QE index. The server
// side agrees: its FLE rewrite only rewrites payloads in `$match`, `$geoNear`, `$graphLookup` and
// `$lookup` sub-pipelines, so an encrypted constant in `$group` would be compared as bytes with
// ciphertext and the aggregate would be silently wrong. Without this rule the condition would go
// out as an aggregation expression comparing the field with the plaintext constant: wrong, and a
// leak of the very value QE is meant to protect.
//
// The check applies to the condition's fields, F() references included; grouping on encrypted
// fields (rules/qe_group.cc) is reported first, as the server rejects the `$group` key first.

#include <format>

#include "lib/analyze/rules/rules.h"

namespace querysafe::analyze::rules {

void ReportEncryptedAggregateFilter(Context& ctx, const bound::FieldRef& field, Span span) {
  ctx.Report(Category::kNotSupportedError, "qe.aggregate_filter_encrypted",
             std::format("Invalid reference to an encrypted field within aggregate expression: "
                         "{} (an aggregate's filter= is evaluated inside $group, where Queryable "
                         "Encryption cannot compare '{}'; filter the QuerySet instead)",
                         ServerPath(field), field.django_path),
             span, 6331102);
}

}  // namespace querysafe::analyze::rules
