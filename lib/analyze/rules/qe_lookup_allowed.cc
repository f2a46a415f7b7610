// Why: an encrypted field can only be compared the ways its QE index was built for. MongoDB's
// query analysis (fle_match_expression.cpp) enforces this; with explicit encryption
// (bypassQueryAnalysis) nothing does, and a `$regex` or `$gt` against ciphertext silently
// matches nothing. The rules, from the server and the seed's documentation:
//   - no `queries` at all: only equality would make sense, and it needs an index (63165);
//   - equality index: exact and in (and their negations through exclude/~);
//   - range index: also gt, gte, lt, lte, range (exact becomes a closed range);
//   - comparisons on an equality-only field: 6720400 "... without an encrypted range index";
//   - text indexes (the 8.2 previews and 9.0's prefix/suffix/substring): startswith/endswith/
//     contains and their i- forms on a field declared for them, and iexact on any text index,
//     with matching case sensitivity. A caseSensitive:false index folds case on both sides, so
//     it matches 'FOObar' for startswith='foo': the answer to istartswith, and a superset of
//     Django's case-sensitive startswith (which must not return 'FOObar'), so the case-sensitive
//     lookups are refused there rather than answered wrongly; a caseSensitive:true index keeps
//     case and cannot answer the i- lookups;
//   - everything else (regex-based lookups, transforms, array lookups): 51092, or 31110 for
//     transforms, which lower to aggregation expressions the server will not evaluate on
//     ciphertext.

#include <format>
#include <optional>
#include <string>

#include "lib/analyze/lookup_table.h"
#include "lib/analyze/rules/rules.h"
#include "lib/analyze/rules/server_rules.h"

namespace querysafe::analyze::rules {
namespace {

using bound::LookupKind;
using bound::QeQuery;
using schema::QueryType;

std::string QueriesList(const schema::EncryptedPath& path) {
  std::string out;
  if (path.queries == nullptr) return out;
  for (const schema::QuerySpec& q : *path.queries) {
    if (!out.empty()) out += ", ";
    out += schema::QueryTypeName(q.type);
  }
  return out;
}

}  // namespace

const schema::QuerySpec* CheckEncryptedLookup(Context& ctx, const Resolved& r, Span span) {
  const schema::EncryptedPath& path = *r.ref.encrypted;
  const std::string_view server_path = ServerPath(r.ref);
  const bound::LookupInfo& lookup = bound::LookupOf(r.lookup);
  const std::string_view lookup_name = lookup.name;

  if (!r.transforms.empty()) {
    ctx.Report(Category::kNotSupportedError, "qe.transform_on_encrypted",
               std::format("Encrypted field '{}' is not allowed to be evaluated by {} (the '{}' "
                           "transform needs the plaintext).",
                           server_path, bound::TransformOf(r.transforms.front().kind).mql_operator,
                           r.ref.django_path),
               span, 31110);
    return nullptr;
  }
  if (r.lookup == LookupKind::kIsNull) return nullptr;  // the null-equality rule reports it

  if (!path.queryable() && lookup.qe_query == QeQuery::kEquality) {
    ctx.Report(Category::kNotSupportedError, "qe.field_not_queryable",
               std::format("{} ('{}' is encrypted without `queries`; it can be stored and read, "
                           "not queried).",
                           kNoEqualityIndexMessage, server_path),
               span, kNoEqualityIndexServerCode);
    return nullptr;
  }
  if (!path.queryable()) {
    const bool comparison = lookup.qe_query == QeQuery::kRange;
    ctx.Report(Category::kNotSupportedError,
               comparison ? "qe.range_without_range_index" : "qe.operator_not_allowed",
               std::format("Invalid match expression operator on encrypted field '{}'{}: {} "
                           "(Django lookup '{}'; the field is encrypted without `queries`).",
                           server_path, comparison ? " without an encrypted range index" : "",
                           lookup.mql_operator, lookup_name),
               span, comparison ? 6720400 : 51092);
    return nullptr;
  }
  const schema::QuerySpec* equality = path.field->FindQuery(QueryType::kEquality);
  const schema::QuerySpec* range = path.field->FindQuery(QueryType::kRange);

  // Text indexes. `iexact` is $encStrNormalizedEq, served by any text index built
  // case-insensitively; the pattern lookups need their own index kind.
  std::optional<schema::TextKind> text_kind;
  switch (lookup.qe_query) {
    case QeQuery::kEquality:
      if (equality != nullptr) return equality;
      if (range != nullptr) return range;  // equality through the range index: [v, v]
      break;
    case QeQuery::kRange:
      if (range != nullptr) return range;
      ctx.Report(Category::kNotSupportedError, "qe.range_without_range_index",
                 std::format("Invalid match expression operator on encrypted field '{}' without "
                             "an encrypted range index: {} (Django lookup '{}'; the field's "
                             "queries: {}).",
                             server_path, lookup.mql_operator, lookup_name, QueriesList(path)),
                 span, 6720400);
      return nullptr;
    case QeQuery::kPrefix:
      text_kind = schema::TextKind::kPrefix;
      break;
    case QeQuery::kSuffix:
      text_kind = schema::TextKind::kSuffix;
      break;
    case QeQuery::kSubstring:
      text_kind = schema::TextKind::kSubstring;
      break;
    case QeQuery::kText:
    case QeQuery::kNone:
      break;
  }
  const bool insensitive = lookup.case_insensitive;
  if (text_kind.has_value() || lookup.qe_query == QeQuery::kText) {
    for (const schema::QuerySpec& q : *path.queries) {
      if (!schema::IsTextQuery(q.type) || (text_kind && schema::TextKindOf(q.type) != *text_kind)) {
        continue;
      }
      // A case-sensitive index cannot answer a case-insensitive lookup, and the reverse.
      const bool index_insensitive = q.case_sensitive.has_value() && !*q.case_sensitive;
      if (index_insensitive != insensitive) {
        ctx.Report(Category::kNotSupportedError, "qe.text_case_mismatch",
                   std::format("The '{}' lookup on encrypted field '{}' is {}, but its {} index "
                               "was built with caseSensitive={}{}.",
                               lookup_name, server_path,
                               insensitive ? "case-insensitive" : "case-sensitive",
                               schema::QueryTypeName(q.type), index_insensitive ? "false" : "true",
                               insensitive ? " (it keeps case; the case-insensitive lookups need "
                                             "an index with caseSensitive: false)"
                                           : " (it folds case, so it would also return values "
                                             "that differ in case; use the case-insensitive "
                                             "lookup, or an index with caseSensitive: true)"),
                   span);
        return nullptr;
      }
      return &q;
    }
  }

  ctx.Report(Category::kNotSupportedError, "qe.operator_not_allowed",
             std::format("Invalid match expression operator on encrypted field '{}': {} (Django "
                         "lookup '{}'; the field's queries: {}).",
                         server_path, lookup.mql_operator, lookup_name, QueriesList(path)),
             span, 51092);
  return nullptr;
}

void ReportOperatorNotAllowed(Context& ctx, const bound::FieldRef& field, std::string_view op,
                              Span span) {
  std::string queries = field.encrypted != nullptr ? QueriesList(*field.encrypted) : std::string();
  ctx.Report(Category::kNotSupportedError, "qe.operator_not_allowed",
             std::format("Invalid match expression operator on encrypted field '{}': {} (the "
                         "field's queries: {}).",
                         ServerPath(field), op, queries.empty() ? "none" : queries),
             span, 51092);
}

}  // namespace querysafe::analyze::rules
