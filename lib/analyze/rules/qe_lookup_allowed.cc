// Why: an encrypted field can only be compared the ways its QE index was built for. MongoDB's
// query analysis (fle_match_expression.cpp) enforces this; with explicit encryption
// (bypassQueryAnalysis) nothing does, and a `$regex` or `$gt` against ciphertext silently
// matches nothing. The rules, from the server and the seed's documentation:
//   - no `queries` at all: only equality would make sense, and it needs an index (63165);
//   - equality index: exact and in (and their negations through exclude/~);
//   - range index: also gt, gte, lt, lte, range (exact becomes a closed range);
//   - comparisons on an equality-only field: 6720400 "... without an encrypted range index";
//   - text previews (8.2): startswith/endswith/contains and case-insensitive exact on a field
//     declared for them, with matching case sensitivity;
//   - everything else (regex-based lookups, transforms, array lookups): 51092, or 31110 for
//     transforms, which lower to aggregation expressions the server will not evaluate on
//     ciphertext.

#include <format>
#include <string>

#include "lib/analyze/lookups.h"
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

// The text-preview query type a pattern lookup needs, and whether it is case-insensitive.
bool TextPreviewFor(LookupKind lookup, QueryType* type, bool* insensitive) {
  switch (lookup) {
    case LookupKind::kStartsWith:
    case LookupKind::kIStartsWith:
      *type = QueryType::kPrefixPreview;
      break;
    case LookupKind::kEndsWith:
    case LookupKind::kIEndsWith:
      *type = QueryType::kSuffixPreview;
      break;
    case LookupKind::kContains:
    case LookupKind::kIContains:
      *type = QueryType::kSubstringPreview;
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
                           MqlOperator(r.lookup), lookup_name),
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
                             server_path, MqlOperator(r.lookup), lookup_name, QueriesList(path)),
                 span, 6720400);
      return nullptr;
    default:
      break;
  }

  // Text previews. `iexact` is $encStrNormalizedEq, served by any text index built
  // case-insensitively; the pattern lookups need their own index type.
  QueryType text_type = QueryType::kPrefixPreview;
  bool insensitive = r.lookup == LookupKind::kIExact;
  const bool pattern = TextPreviewFor(r.lookup, &text_type, &insensitive);
  if (pattern || r.lookup == LookupKind::kIExact) {
    for (const schema::QuerySpec& q : *path.queries) {
      const bool text_index = q.type != QueryType::kEquality && q.type != QueryType::kRange;
      if (!text_index || (pattern && q.type != text_type)) continue;
      // A case-sensitive index cannot answer a case-insensitive lookup, and the reverse.
      const bool index_insensitive = q.case_sensitive.has_value() && !*q.case_sensitive;
      if (index_insensitive != insensitive) {
        ctx.Report(Category::kNotSupportedError, "qe.text_case_mismatch",
                   std::format("The '{}' lookup on encrypted field '{}' is {}, but its {} index "
                               "was built with caseSensitive={}.",
                               lookup_name, server_path,
                               insensitive ? "case-insensitive" : "case-sensitive",
                               schema::QueryTypeName(q.type), index_insensitive ? "false" : "true"),
                   span);
        return nullptr;
      }
      return &q;
    }
  }

  ctx.Report(Category::kNotSupportedError, "qe.operator_not_allowed",
             std::format("Invalid match expression operator on encrypted field '{}': {} (Django "
                         "lookup '{}'; the field's queries: {}).",
                         server_path, MqlOperator(r.lookup), lookup_name, QueriesList(path)),
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
