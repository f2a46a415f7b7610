// Why: a condition comparing a joined collection's field with a field of the queried one
// (`author__name=F("title")`) is what Django expresses with `$lookup` and `let`, and on a
// database with automatic encryption the server refuses `let` with 51208, the message the seed
// documents for joins. Plain joins (`author__name="Bob"`, select_related) use localField /
// foreignField and are fine, and so is a comparison of two fields of the same joined
// collection (`author__name=F("author__alias")`), which reads no field of the outer document
// and so needs no `let`. Joins are compared by their ForeignKey: each resolved path carries its
// own Join record.

#include "lib/analyze/rules/rules.h"

namespace querysafe::analyze::rules {
namespace {

const schema::Field* JoinKey(const bound::FieldRef& f) {
  return f.join != nullptr ? f.join->fk : nullptr;
}

}  // namespace

bool CheckJoinWithoutLet(Context& ctx, const bound::FieldRef& lhs, const bound::FieldRef& rhs,
                         Span span) {
  if (!ctx.encrypted_database() || JoinKey(lhs) == JoinKey(rhs)) return true;
  ctx.Report(Category::kNotSupportedError, "qe.join_let",
             "Non-empty 'let' field is not allowed in the $lookup aggregation stage over an "
             "encrypted collection.",
             span, 51208);
  return false;
}

// A QuerySet used as a lookup value (`author__in=Author.objects.filter(...)`) is a subquery,
// which Django runs through `$lookup` with `let`: 51208 on an encrypted database. Elsewhere
// querysafe has no translation for it.
void ReportSubquery(Context& ctx, Span span) {
  ctx.Report(Category::kNotSupportedError, "queryset.subquery",
             ctx.encrypted_database()
                 ? "Non-empty 'let' field is not allowed in the $lookup aggregation stage over an "
                   "encrypted collection. (A QuerySet used as a lookup value is a subquery, which "
                   "Django runs through $lookup with 'let'.)"
                 : "querysafe does not translate subqueries (a QuerySet used as a lookup value); "
                   "pass the values themselves.",
             span, ctx.encrypted_database() ? 51208 : 0);
}

}  // namespace querysafe::analyze::rules
