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
#include <string>

#include "lib/analyze/lookup_table.h"
#include "lib/analyze/rules/rules.h"

namespace querysafe::analyze::rules {
namespace {

using bound::LookupKind;
using schema::QueryType;

std::string_view TransformOperator(bound::TransformKind kind) {
  switch (kind) {
    case bound::TransformKind::kYear:
      return "$year";
    case bound::TransformKind::kIsoYear:
      return "$isoWeekYear";
    case bound::TransformKind::kMonth:
      return "$month";
    case bound::TransformKind::kDay:
      return "$dayOfMonth";
    case bound::TransformKind::kWeek:
      return "$isoWeek";
    case bound::TransformKind::kWeekDay:
      return "$dayOfWeek";
    case bound::TransformKind::kIsoWeekDay:
      return "$isoDayOfWeek";
    case bound::TransformKind::kQuarter:
      return "$month";
    case bound::TransformKind::kHour:
      return "$hour";
    case bound::TransformKind::kMinute:
      return "$minute";
    case bound::TransformKind::kSecond:
      return "$second";
    case bound::TransformKind::kDate:
    case bound::TransformKind::kTime:
      return "$dateToString";
    case bound::TransformKind::kLen:
      return "$size";
    case bound::TransformKind::kIndex:
      return "$arrayElemAt";
  }
  return "$expr";
}

std::string QueriesList(const schema::EncryptedPath& path) {
  std::string out;
  if (path.queries == nullptr) return out;
  for (const schema::QuerySpec& q : *path.queries) {
    if (!out.empty()) out += ", ";
    out += schema::QueryTypeName(q.type);
  }
  return out;
}

// The text index kind a pattern lookup needs (prefix, suffix or substring, of either
// generation), and whether it is case-insensitive.
bool TextKindFor(LookupKind lookup, schema::TextKind* kind, bool* insensitive) {
  switch (lookup) {
    case LookupKind::kStartsWith:
    case LookupKind::kIStartsWith:
      *kind = schema::TextKind::kPrefix;
      break;
    case LookupKind::kEndsWith:
    case LookupKind::kIEndsWith:
      *kind = schema::TextKind::kSuffix;
      break;
    case LookupKind::kContains:
    case LookupKind::kIContains:
      *kind = schema::TextKind::kSubstring;
      break;
    default:
      return false;
  }
  *insensitive = lookup == LookupKind::kIStartsWith || lookup == LookupKind::kIEndsWith ||
                 lookup == LookupKind::kIContains;
  return true;
}

}  // namespace

const schema::QuerySpec* CheckEncryptedLookup(Context& ctx, const Resolved& r, Span span) {
  const schema::EncryptedPath& path = *r.ref.encrypted;
  const std::string_view server_path = ServerPath(r.ref);
  const std::string_view lookup_name = LookupName(r.lookup);

  if (!r.transforms.empty()) {
    ctx.Report(
        Category::kNotSupportedError, "qe.transform_on_encrypted",
        std::format("Encrypted field '{}' is not allowed to be evaluated by {} (the '{}' "
                    "transform needs the plaintext).",
                    server_path, TransformOperator(r.transforms.front().kind), r.ref.django_path),
        span, 31110);
    return nullptr;
  }
  if (r.lookup == LookupKind::kIsNull) return nullptr;  // the null-equality rule reports it

  if (!path.queryable() && (r.lookup == LookupKind::kExact || r.lookup == LookupKind::kIn)) {
    ctx.Report(Category::kNotSupportedError, "qe.field_not_queryable",
               std::format("Can only execute encrypted equality queries with an encrypted "
                           "equality index ('{}' is encrypted without `queries`; it can be "
                           "stored and read, not queried).",
                           server_path),
               span, 63165);
    return nullptr;
  }
  if (!path.queryable()) {
    const bool comparison = r.lookup == LookupKind::kGt || r.lookup == LookupKind::kGte ||
                            r.lookup == LookupKind::kLt || r.lookup == LookupKind::kLte ||
                            r.lookup == LookupKind::kRange;
    ctx.Report(Category::kNotSupportedError,
               comparison ? "qe.range_without_range_index" : "qe.operator_not_allowed",
               std::format("Invalid match expression operator on encrypted field '{}'{}: {} "
                           "(Django lookup '{}'; the field is encrypted without `queries`).",
                           server_path, comparison ? " without an encrypted range index" : "",
                           bound::LookupOf(r.lookup).mql_operator, lookup_name),
               span, comparison ? 6720400 : 51092);
    return nullptr;
  }
  const schema::QuerySpec* equality = path.field->FindQuery(QueryType::kEquality);
  const schema::QuerySpec* range = path.field->FindQuery(QueryType::kRange);

  switch (r.lookup) {
    case LookupKind::kExact:
    case LookupKind::kIn:
      if (equality != nullptr) return equality;
      if (range != nullptr) return range;  // equality through the range index: [v, v]
      break;
    case LookupKind::kGt:
    case LookupKind::kGte:
    case LookupKind::kLt:
    case LookupKind::kLte:
    case LookupKind::kRange:
      if (range != nullptr) return range;
      ctx.Report(Category::kNotSupportedError, "qe.range_without_range_index",
                 std::format("Invalid match expression operator on encrypted field '{}' without "
                             "an encrypted range index: {} (Django lookup '{}'; the field's "
                             "queries: {}).",
                             server_path, bound::LookupOf(r.lookup).mql_operator, lookup_name, QueriesList(path)),
                 span, 6720400);
      return nullptr;
    default:
      break;
  }

  // Text indexes. `iexact` is $encStrNormalizedEq, served by any text index built
  // case-insensitively; the pattern lookups need their own index kind.
  schema::TextKind text_kind = schema::TextKind::kPrefix;
  bool insensitive = r.lookup == LookupKind::kIExact;
  const bool pattern = TextKindFor(r.lookup, &text_kind, &insensitive);
  if (pattern || r.lookup == LookupKind::kIExact) {
    for (const schema::QuerySpec& q : *path.queries) {
      if (!schema::IsTextQuery(q.type) || (pattern && schema::TextKindOf(q.type) != text_kind)) {
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
                         server_path, bound::LookupOf(r.lookup).mql_operator, lookup_name, QueriesList(path)),
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
