// Why: on a connection with automatic encryption the server only runs single-document updates
// (query analysis: 6329900 "Multi-document updates are not allowed with Queryable
// Encryption"; mongod: 6371503). django-mongodb-backend sends update_one only when the filter is
// exactly the primary key with an ObjectId (a model save), update_many otherwise; and it refuses
// expressions (F()) in update values itself. This applies to every model of such a database,
// encrypted fields or not.

#include <string>

#include "lib/analyze/rules/rules.h"
#include "lib/analyze/rules/server_rules.h"

namespace querysafe::analyze::rules {
namespace {

bool IsSinglePrimaryKeyFilter(const bound::Filter& filter) {
  if (filter.kind != bound::Filter::Kind::kPredicate) return false;
  const bound::Predicate& p = *filter.predicate;
  return p.lhs.field != nullptr && p.lhs.field->primary_key && p.lhs.join == nullptr &&
         p.lookup == bound::LookupKind::kExact && p.transforms.empty() && p.values.size() == 1 &&
         p.values[0].kind == bound::Value::Kind::kConstant &&
         p.values[0].constant.value_type == BSON_TYPE_OID;
}

}  // namespace

void ReportUpdateExpression(Context& ctx, Span span) {
  ctx.Report(Category::kNotSupportedError, "qe.update_expression",
             "Expressions in update queries are not allowed with Queryable Encryption.", span);
}

bool CheckUpdate(Context& ctx, const bound::Filter& filter, Span span) {
  if (!ctx.encrypted_database()) return true;
  if (IsSinglePrimaryKeyFilter(filter)) return true;
  ReportMultiDocumentUpdate(ctx, span);
  return false;
}

void ReportMultiDocumentUpdate(Context& ctx, Span span) {
  ctx.Report(Category::kNotSupportedError, std::string(kMultiDocumentUpdate.code),
             std::string(kMultiDocumentUpdate.message), span, kMultiDocumentUpdate.server_code);
}

}  // namespace querysafe::analyze::rules
